/**
 * The dashboard's files (dist/dashboard, built by `npm run build`) read ONCE into memory when the
 * gateway starts: the manifest is the set of files found then, so a request can only ever get one
 * of those (no path is joined onto the file system at request time: no traversal).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
  /** `assets/*` carry a content hash in their name: cached for a year; the rest revalidate. */
  immutable: boolean;
}

export interface DashboardAssets {
  /** The directory read, or undefined when the dashboard is not built. */
  dir: string | undefined;
  files: ReadonlyMap<string, DashboardAsset>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const MAX_FILES = 200;
const MAX_BYTES = 20 * 1024 * 1024;

/** dist/dashboard of the package this file belongs to (from src/ under tsx or from dist/). */
export function defaultDashboardDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    if (existsSync(path.join(dir, 'package.json'))) {
      const candidate = path.join(dir, 'dist', 'dashboard');
      return existsSync(path.join(candidate, 'index.html')) ? candidate : undefined;
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Reads `dir` (regular files only, no symlinks followed, bounded count and size). */
export function loadDashboardAssets(dir: string | undefined = defaultDashboardDir()): DashboardAssets {
  const files = new Map<string, DashboardAsset>();
  if (dir === undefined || !existsSync(path.join(dir, 'index.html'))) return { dir: undefined, files };
  let total = 0;
  const walk = (folder: string, prefix: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const name = `${prefix}${entry.name}`;
      if (entry.isDirectory()) {
        walk(full, `${name}/`);
        continue;
      }
      if (!entry.isFile() || files.size >= MAX_FILES) continue;
      const contentType = CONTENT_TYPES[path.extname(entry.name).toLowerCase()];
      if (!contentType || !/^[A-Za-z0-9._/-]+$/.test(name)) continue;
      total += statSync(full).size;
      if (total > MAX_BYTES) throw new Error(`The dashboard in ${dir} is larger than ${MAX_BYTES} bytes`);
      const body = readFileSync(full);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      files.set(name, { body, contentType, etag, immutable: name.startsWith('assets/') });
    }
  };
  walk(dir, '');
  return { dir, files };
}
