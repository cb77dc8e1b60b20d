import { credentialAssociatedData, envelopeKeyId, openSecret, sealSecret } from '../crypto/envelope.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/db.js';
import { credentialsFilteredByRls, selectAllCredentials, updateCredentialCiphertext } from '../db/sql/credentials.js';
import { SwitchboardError } from '../errors.js';

/**
 * Re-encrypts every credential row under the keyring's current key, in one transaction: either all
 * rows move to the new key or none does. Rows already under the current key are left alone.
 * Running gateways keep serving throughout: old keys stay in their keyring until restarted with
 * the new one, and the change feed makes them re-read the rows. It must run as a role that
 * row-level security does not filter (it refuses otherwise, rather than rotating only what it sees).
 */
export async function rotateMasterKey(db: Db, keyring: Keyring): Promise<{ rotated: number; total: number }> {
  return db.transaction(async (tx) => {
    // Under RLS the other projects' rows are invisible: "rotated 0 of 0" would be a silent lie.
    const access = await credentialsFilteredByRls(tx);
    if (access.filtered) {
      throw new SwitchboardError(
        'permission_denied',
        `master-key rotate must see every project's credentials, but row-level security filters them for role '${access.role}': ` +
          'run it as a superuser or a role with BYPASSRLS (on Supabase: the postgres role)',
        { isRetryable: false },
      );
    }
    const rows = await selectAllCredentials(tx);
    let rotated = 0;
    for (const row of rows) {
      if (envelopeKeyId(row.credentials) === keyring.current.id) continue;
      const associatedData = credentialAssociatedData(row.projectId, row.providerId);
      const plaintext = openSecret(row.credentials, keyring, associatedData);
      await updateCredentialCiphertext(tx, row.id, sealSecret(plaintext, keyring.current, associatedData));
      rotated++;
    }
    return { rotated, total: rows.length };
  });
}
