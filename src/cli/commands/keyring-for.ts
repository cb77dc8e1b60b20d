import path from 'node:path';
import { loadKeyring, type Keyring } from '../../crypto/keyring.js';
import { warn, type CliContext } from '../cli-context.js';

/**
 * The master keyring for this configuration. Embedded mode keeps a generated key next to the
 * database folder (`<data dir>/../master.key`), outside the database files themselves.
 */
export function keyringFor(context: Pick<CliContext, 'config' | 'stderr'>): Keyring | undefined {
  const { config } = context;
  return loadKeyring({ ...config.env }, {
    mode: config.databaseUrl ? 'postgres' : 'embedded',
    dataDir: path.dirname(config.dataDir),
    warn: (message) => warn(context, message),
  });
}
