// Found by a review (fixed): a credential load had no deadline. With the instance's database
// connection dead silently (no FIN, no RST: a failover, a NAT forgetting it), every request
// needing a credential not yet cached (after any credential change, or a project's first call)
// hung until the kernel gave up, about 15 minutes. It now fails after `credentialLoadTimeoutMs`
// with a 503 in OpenAI's shape (`database_unavailable`), and the next call loads again.
// Postgres only (the embedded database cannot lose its connection).
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

describe('a credential load over a connection that died silently', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let proxy: TcpProxy;
  let reaching: Db;
  let switchboard: Switchboard;
  let gateway: Gateway;
  let origin: string;
  let key: string;

  before(async () => {
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('frozen-openai', 'OpenAIProvider', 'http://127.0.0.1:9/v1', '["FROZEN_OPENAI_KEY"]'::jsonb)`,
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'frozen-model', id, 'gpt-4o-mini' from public.ai_providers where name = 'frozen-openai'`);
    key = (await insertProjectKey(db, 'frozen')).key;
    const target = new URL(db.url!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(db.url!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    reaching = await openPostgresDb({ url: proxied.toString() });
    switchboard = await createSwitchboard({
      db: reaching,
      env: { SWITCHBOARD_ALLOWED_ENV_VARS: 'FROZEN_*', FROZEN_OPENAI_KEY: 'sk-frozen-0123456789' },
      keyring: createKeyring(createMasterKey(randomBytes(32))),
      migrate: false,
      listen: false,
      pollMs: 600_000,
      usage: false,
      governance: false,
      credentialLoadTimeoutMs: 500,
    });
    const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({}) });
    gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config });
    origin = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}`;
  });

  after(async () => {
    await gateway?.close();
    // Destroying the proxy's sockets fails whatever still waits on them (the unfixed code).
    await proxy?.close();
    await switchboard?.close().catch(() => undefined);
    await reaching?.close().catch(() => undefined);
    await db?.dispose();
  });

  test('answers 503 in OpenAI shape after the load timeout instead of hanging', async () => {
    // Open connections stay open but nothing passes any more; new ones hang the same way.
    proxy.freeze('frozen');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    let response: Response;
    try {
      response = await fetch(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'frozen-model', messages: [{ role: 'user', content: 'hi' }] }),
        signal: controller.signal,
      });
    } catch (error) {
      assert.fail(`no answer within 10 s (credentialLoadTimeoutMs 500): ${String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    const body = (await response.json()) as { error: { type: string; code: string; message: string } };
    assert.equal(response.status, 503, JSON.stringify(body));
    assert.equal(body.error.type, 'server_error');
    assert.equal(body.error.code, 'database_unavailable');
    assert.match(body.error.message, /request id/);
  });
});
