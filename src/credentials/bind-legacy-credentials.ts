import type { Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/db.js';
import { credentialsFilteredByRls, selectCredentialsWithProviderUrl, updateCredentialCiphertext } from '../db/sql/credentials.js';
import { markUpgradeDone, upgradeDone } from '../db/sql/upgrades.js';
import { urlOrigin } from './credential-origin.js';
import { openCredential, sealCredential, type OpenedCredential } from './sealed-credential.js';

/** The `switchboard_upgrades` name of the binding. */
const ORIGIN_BINDING = 'credential-origin-binding';

/** What one binding pass did. */
export interface BindLegacyResult {
  /** Legacy envelopes now bound to their provider's current origin. */
  bound: number;
  /** Legacy envelopes left as they are: the provider has no http(s) URL (they keep failing closed). */
  unbound: number;
  /** Rows that do not open with this keyring (left alone; they fail closed at use). */
  unreadable: number;
  /** True when row-level security hides rows from this role: nothing was done. */
  filtered: boolean;
  /** Legacy envelopes found after the one-time upgrade was done: not bound (they stay refused). */
  refused: number;
}

/**
 * The one-time upgrade of envelopes sealed before origin binding: each is re-sealed (under the
 * current master key) bound to the origin of its payload's `base_url`, else of its provider's URL
 * now (`api_base_url`, else the class default). One transaction; already bound rows are not
 * touched. Under a role that row-level security filters it does nothing (it cannot see every
 * project). The first pass that runs marks the upgrade done (`switchboard_upgrades`); after that a
 * legacy envelope is only counted, never bound: one written back later (an old envelope from a
 * backup, with the provider pointed elsewhere) would otherwise carry its key to that new URL.
 */
export async function bindLegacyCredentials(
  db: Db,
  keyring: Keyring,
  classBaseUrl: (className: string) => string | undefined,
): Promise<BindLegacyResult> {
  return db.transaction(async (tx) => {
    const result: BindLegacyResult = { bound: 0, unbound: 0, unreadable: 0, filtered: false, refused: 0 };
    if ((await credentialsFilteredByRls(tx)).filtered) return { ...result, filtered: true };
    const done = await upgradeDone(tx, ORIGIN_BINDING);
    for (const row of await selectCredentialsWithProviderUrl(tx)) {
      let opened: OpenedCredential;
      try {
        opened = openCredential(row.credentials, keyring, row.projectId, row.providerId);
      } catch {
        result.unreadable++;
        continue;
      }
      if (opened.boundOrigin !== undefined) continue;
      if (done) {
        result.refused++;
        continue;
      }
      const origin = urlOrigin(opened.payload.base_url ?? row.apiBaseUrl ?? classBaseUrl(row.providerClass));
      if (origin === undefined) {
        result.unbound++;
        continue;
      }
      await updateCredentialCiphertext(tx, row.id, sealCredential(opened.payload, origin, keyring, row.projectId, row.providerId));
      result.bound++;
    }
    if (!done) await markUpgradeDone(tx, ORIGIN_BINDING);
    return result;
  });
}

/** One log line for a pass that changed or skipped something, else undefined. */
export function describeBinding(result: BindLegacyResult): string | undefined {
  const parts: string[] = [];
  if (result.bound > 0) parts.push(`bound ${result.bound} stored credential(s) sealed before origin binding to their provider's current URL`);
  if (result.unbound > 0) parts.push(`${result.unbound} stored credential(s) sealed before origin binding stay unusable: their provider has no http(s) URL`);
  if (result.refused > 0) {
    parts.push(
      `${result.refused} stored credential(s) sealed before origin binding were found after the one-time upgrade and are not bound (written back from an old copy?): enter those keys again`,
    );
  }
  return parts.length === 0 ? undefined : parts.join('; ');
}
