/**
 * Secret files a local install reads (master.key, admin.token) must belong to the user running
 * Switchboard. They sit next to the data directory, which may be in a shared place such as /tmp:
 * another local user could plant a master.key there (credentials would then be sealed under a key
 * they know) or an admin.token (a token they know).
 *
 * @module
 */
import type { Stats } from 'node:fs';
import { SwitchboardError } from '../errors.js';

/** Throws when `stats` (of `file`) belong to another user than this process' (not on Windows). */
export function refuseForeignOwner(file: string, stats: Stats, what: string): void {
  if (typeof process.getuid !== 'function') return;
  const uid = process.getuid();
  if (stats.uid === uid) return;
  throw new SwitchboardError(
    'invalid_request',
    `${file} belongs to uid ${stats.uid}, not to the user running Switchboard (uid ${uid}): another user may have planted it (${what}). ` +
      'Check it, then chown it to this user or delete it.',
    { isRetryable: false },
  );
}
