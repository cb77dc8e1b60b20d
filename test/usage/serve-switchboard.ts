/**
 * A Switchboard over a test database with the gateway in front, wired as `switchboard serve`
 * wires them (admin service, usage counters), on 127.0.0.1:0.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import type { Db } from '../../src/db/db.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { adminServiceFor } from '../../src/service/admin/admin-for-switchboard.js';
import { createSwitchboard, type Switchboard, type SwitchboardOptions } from '../../src/service/switchboard.js';

export interface Served {
  switchboard: Switchboard;
  gateway: Gateway;
  origin: string;
  close(): Promise<void>;
}

/** Starts both; `env` is the credential env map, `adminToken` enables /admin/v1. */
export async function serveSwitchboard(db: Db, options: { env?: Record<string, string>; adminToken?: string; usage?: SwitchboardOptions['usage'] } = {}): Promise<Served> {
  const env = options.env ?? {};
  const switchboard = await createSwitchboard({
    db,
    env,
    keyring: createKeyring(createMasterKey(randomBytes(32))),
    migrate: false,
    pollMs: 0,
    listen: false,
    ...(options.usage === undefined ? {} : { usage: options.usage }),
  });
  const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ ...env }), adminToken: options.adminToken });
  const gateway = createGateway({
    service: switchboard.service,
    snapshot: () => switchboard.watcher.snapshot,
    config,
    admin: adminServiceFor(switchboard),
    usageCounters: switchboard.usageCounters,
  });
  const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
  return {
    switchboard,
    gateway,
    origin: `http://127.0.0.1:${address.port}`,
    async close() {
      await gateway.close();
      await switchboard.close();
    },
  };
}
