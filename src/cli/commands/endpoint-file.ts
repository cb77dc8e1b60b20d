import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** `<dataDir>/switchboard.endpoint`: where the server holding an embedded data dir answers. */
export interface EndpointInfo {
  pid: number;
  url: string;
}

export function endpointFile(dataDir: string): string {
  return path.join(dataDir, 'switchboard.endpoint');
}

/** Writes the endpoint file (mode 0600, also when a stale one was left looser); returns its remover. */
export function writeEndpoint(dataDir: string, url: string): () => void {
  const file = endpointFile(dataDir);
  writeFileSync(file, `${JSON.stringify({ pid: process.pid, url } satisfies EndpointInfo)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created: a stale file keeps its old mode otherwise.
  chmodSync(file, 0o600);
  return () => {
    if (readEndpoint(dataDir)?.pid === process.pid) rmSync(file, { force: true });
  };
}

export function readEndpoint(dataDir: string): EndpointInfo | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(endpointFile(dataDir), 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, url } = value as Record<string, unknown>;
    return typeof pid === 'number' && typeof url === 'string' ? { pid, url } : undefined;
  } catch {
    return undefined;
  }
}
