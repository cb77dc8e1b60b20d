import { credentialAssociatedData, envelopeKeyId, openSecret, sealSecret } from '../crypto/envelope.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/db.js';
import { selectAllCredentials, updateCredentialCiphertext } from '../db/sql/credentials.js';

/**
 * Re-encrypts every credential row under the keyring's current key, in one transaction: either all
 * rows move to the new key or none does. Rows already under the current key are left alone.
 * Running gateways keep serving throughout: old keys stay in their keyring until restarted with
 * the new one, and the change feed makes them re-read the rows.
 */
export async function rotateMasterKey(db: Db, keyring: Keyring): Promise<{ rotated: number; total: number }> {
  return db.transaction(async (tx) => {
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
