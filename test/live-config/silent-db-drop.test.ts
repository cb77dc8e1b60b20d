// Found by an attack review (live configuration across instances): an instance whose database connections die
// silently (a NAT or firewall forgets them: no FIN, no RST, packets just vanish) while the rest of
// the system keeps writing. Instance A talks to Postgres directly; instance B through a proxy that
// can "blackhole" its open connections (they stay open, nothing is forwarded any more) and later
// heal (new connections work again; the blackholed ones stay dead, as after a NAT reboot).
//
// The documented promise: "checks the version every SWITCHBOARD_CONFIG_POLL_MS to catch lost
// notifications", "keeps serving the last good snapshot when a reload fails" and is retried by the
// next check. A key revoked while B was cut off must stop working on B soon after B can reach the
// database again. Postgres only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import type { Db } from '../../src/db/db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { insertProjectKey } from '../helpers/serve-process.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';

const POLL_MS = 200;


describe('an instance whose database connections were silently dropped', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let proxy: TcpProxy;
  let bDb: Db;
  let b: Switchboard;
  let gateway: Gateway;
  let origin: string;
  const logs: string[] = [];

  async function modelsStatus(key: string): Promise<number> {
    const response = await fetch(`${origin}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    await response.arrayBuffer();
    return response.status;
  }

  before(async () => {
    db = await createTestDb();
    assert.ok(db.url);
    const target = new URL(db.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(db.url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    bDb = await openPostgresDb({ url: proxied.toString() });
    b = await createSwitchboard({
      db: bDb,
      env: {},
      keyring: createKeyring(createMasterKey(randomBytes(32))),
      migrate: false,
      pollMs: POLL_MS,
      listen: true,
      // (The fix's option; current code ignores it.) The default is 30 s.
      configCheckTimeoutMs: 1000,
      log: (level: string, message: string) => logs.push(`${level}: ${message}`),
    } as Parameters<typeof createSwitchboard>[0]);
    const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({}) });
    gateway = createGateway({ service: b.service, snapshot: () => b.watcher.snapshot, config });
    origin = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}`;
  });

  after(async () => {
    proxy?.freeze('frozen');
    await gateway?.close();
    // close() would wait for the stuck queries: destroy the proxy's sockets first.
    await proxy?.close();
    await b?.close().catch(() => undefined);
    await bDb?.close().catch(() => undefined);
    await db?.dispose();
  });

  test('a key revoked while the instance was cut off stops working once the database is reachable again', async () => {
    const revoked = await insertProjectKey(db, 'cutoff');
    await b.reload();
    assert.equal(await modelsStatus(revoked.key), 200);

    // B's connections (the pool's and the LISTEN one) die silently; B polls every 200 ms meanwhile.
    proxy.freeze('frozen');
    await new Promise((resolve) => setTimeout(resolve, 3 * POLL_MS));
    // Another instance (here: SQL) revokes the key while B cannot hear it.
    await db.query('update public.api_keys set revoked_at = now() where id = $1', [revoked.id]);
    // The network heals: new connections to the database work again.
    proxy.restore();

    const bound = 5000;
    const start = performance.now();
    let status = await modelsStatus(revoked.key);
    while (status !== 401 && performance.now() - start < bound) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await modelsStatus(revoked.key);
    }
    assert.equal(
      status,
      401,
      `the revoked key is still accepted ${bound} ms after the database became reachable again (version served: ${b.watcher.snapshot.version}; poll every ${POLL_MS} ms). Log: ${logs.slice(-5).join(' | ')}`,
    );
  });
});
