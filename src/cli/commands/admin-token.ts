import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';

/** Where an embedded installation keeps its generated admin token (next to the data dir, mode 0600). */
export function adminTokenFile(config: Config): string {
  return path.join(path.dirname(config.dataDir), 'admin.token');
}

/**
 * The admin API token: `SWITCHBOARD_ADMIN_TOKEN`, else (embedded mode) the token file next to the
 * data dir, generated when `generate` is set and none exists yet. Postgres mode without the
 * variable has no admin token (the admin API answers 403).
 */
export function resolveAdminToken(config: Config, options: { generate: boolean }): { token: string | undefined; generated: boolean } {
  if (config.adminToken) return { token: config.adminToken, generated: false };
  if (config.databaseUrl) return { token: undefined, generated: false };
  const file = adminTokenFile(config);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing) return { token: existing, generated: false };
  } catch {
    // Not there yet.
  }
  if (!options.generate) return { token: undefined, generated: false };
  const token = `sba-${randomBytes(32).toString('base64url')}`;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, generated: true };
}
