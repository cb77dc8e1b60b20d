import { requireKeyring } from '../../crypto/keyring.js';
import { rotateMasterKey } from '../../credentials/rotate-master-key.js';
import { SwitchboardError } from '../../errors.js';
import { print, printJson, type Command } from '../cli-context.js';
import { parseOptions } from '../parse-options.js';
import { keyringFor } from './keyring-for.js';
import { withDb } from './with-db.js';

export const masterKeyCommand: Command = {
  name: 'master-key',
  summary: 'rotate the master key that encrypts credentials',
  usage: [
    'Usage: switchboard master-key rotate [--json]',
    '',
    'Set SWITCHBOARD_MASTER_KEY to the new key and SWITCHBOARD_MASTER_KEYS_OLD to the old one(s), then run this:',
    'every credential row is re-encrypted under the new key in one transaction. Afterwards the old key',
    'can be removed from SWITCHBOARD_MASTER_KEYS_OLD.',
  ].join('\n'),
  async run(args, context) {
    const [action, ...rest] = args;
    if (action !== 'rotate') throw new SwitchboardError('invalid_request', `master-key needs 'rotate' (got '${action ?? ''}')`);
    parseOptions(rest, {});
    const keyring = requireKeyring(keyringFor(context));
    const result = await withDb(context, (db) => rotateMasterKey(db, keyring));
    if (context.json) printJson(context, { ...result, keyId: keyring.current.id });
    else print(context, `Re-encrypted ${result.rotated} of ${result.total} credential row(s) under master key ${keyring.current.id}.`);
    return 0;
  },
};
