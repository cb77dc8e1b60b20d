import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_MIN_LENGTH, type Config } from '../../config.js';
import { SwitchboardError } from '../../errors.js';
import type { CliContext } from '../cli-context.js';
import { refuseForeignOwner } from '../../crypto/owned-file.js';

/** Where an embedded installation keeps its generated admin token (next to the data dir, mode 0600). */
export function adminTokenFile(config: Config): string {
  return path.join(path.dirname(config.dataDir), 'admin.token');
}

/** The admin token and where it came from; a generated one always has its file. */
export type ResolvedAdminToken = { token: string; generated: true; file: string } | { token: string | undefined; generated: false; file?: string };

/**
 * The admin API token: `SWITCHBOARD_ADMIN_TOKEN`, else (embedded mode) the token file next to the
 * data dir, generated when `generate` is set and none exists yet. Postgres mode without the
 * variable has no admin token (the admin API answers 403). A token file readable by others is
 * made owner-only (and `warn` is told); one shorter than the minimum length is refused.
 */
export function resolveAdminToken(
  config: Config,
  options: { generate: boolean; warn?: (message: string) => void },
): ResolvedAdminToken {
  if (config.adminToken) return { token: config.adminToken, generated: false };
  if (config.databaseUrl) return { token: undefined, generated: false };
  const file = adminTokenFile(config);
  const existing = readTokenFile(file, options.warn ?? ((message) => process.emitWarning(message, { code: 'SWITCHBOARD_ADMIN_TOKEN' })));
  if (existing !== undefined) return { token: existing, generated: false, file };
  if (!options.generate) return { token: undefined, generated: false };
  const token = `sba-${randomBytes(32).toString('base64url')}`;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, generated: true, file };
}

/**
 * Tells the operator about a generated admin token without putting it in the log stream: stdout
 * (where the JSON request log goes) gets only the file that holds it; the token itself is written
 * to stderr, once, and only when stderr is a terminal.
 */
export function announceGeneratedAdminToken(context: CliContext, file: string, token: string): void {
  context.stdout.write(`Admin API token generated and stored in ${file} (mode 0600, owner only); read it with: cat ${file}\n`);
  if ((context.stderr as { isTTY?: boolean }).isTTY === true) {
    context.stderr.write(`Admin API token (shown once, not logged): ${token}\n`);
  }
}

function readTokenFile(file: string, warn: (message: string) => void): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // Not there yet.
  }
  const token = text.trim();
  if (token === '') return undefined;
  if (token.length < ADMIN_TOKEN_MIN_LENGTH) {
    throw new SwitchboardError(
      'invalid_request',
      `the admin token in ${file} is too short (${token.length} characters): use at least ${ADMIN_TOKEN_MIN_LENGTH} random characters, or delete the file to have one generated`,
    );
  }
  if (process.platform !== 'win32') {
    const stats = statSync(file);
    refuseForeignOwner(file, stats, 'the admin API would accept a token they know');
    const mode = stats.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      chmodSync(file, 0o600);
      warn(`${file} was readable by other users (mode ${mode.toString(8)}); changed it to 600 (anyone who read it may hold the admin token: delete the file to generate a new one)`);
    }
  }
  return token;
}
