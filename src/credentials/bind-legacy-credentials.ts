import type { Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/db.js';
import { credentialsFilteredByRls, selectCredentialsWithProviderUrl, updateCredentialCiphertext } from '../db/sql/credentials.js';
import { urlOrigin } from './credential-origin.js';
import { openCredential, sealCredential, type OpenedCredential } from './sealed-credential.js';

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
}

/**
 * The upgrade of envelopes sealed before origin binding: each is re-sealed (under the current
 * master key) bound to the origin of its payload's `base_url`, else of its provider's URL now
 * (`api_base_url`, else the class default). One transaction; already bound rows are not touched.
 * Under a role that row-level security filters it does nothing (it cannot see every project).
 */
export async function bindLegacyCredentials(
  db: Db,
  keyring: Keyring,
  classBaseUrl: (className: string) => string | undefined,
): Promise<BindLegacyResult> {
  return db.transaction(async (tx) => {
    const result: BindLegacyResult = { bound: 0, unbound: 0, unreadable: 0, filtered: false };
    if ((await credentialsFilteredByRls(tx)).filtered) return { ...result, filtered: true };
    for (const row of await selectCredentialsWithProviderUrl(tx)) {
      let opened: OpenedCredential;
      try {
        opened = openCredential(row.credentials, keyring, row.projectId, row.providerId);
      } catch {
        result.unreadable++;
        continue;
      }
      if (opened.boundOrigin !== undefined) continue;
      const origin = urlOrigin(opened.payload.base_url ?? row.apiBaseUrl ?? classBaseUrl(row.providerClass));
      if (origin === undefined) {
        result.unbound++;
        continue;
      }
      await updateCredentialCiphertext(tx, row.id, sealCredential(opened.payload, origin, keyring, row.projectId, row.providerId));
      result.bound++;
    }
    return result;
  });
}

/** One log line for a pass that changed or skipped something, else undefined. */
export function describeBinding(result: BindLegacyResult): string | undefined {
  const parts: string[] = [];
  if (result.bound > 0) parts.push(`bound ${result.bound} stored credential(s) sealed before origin binding to their provider's current URL`);
  if (result.unbound > 0) parts.push(`${result.unbound} stored credential(s) sealed before origin binding stay unusable: their provider has no http(s) URL`);
  return parts.length === 0 ? undefined : parts.join('; ');
}
