// Issue 17, item 2: a real `switchboard serve` process connected as a login role of the
// least-privilege `switchboard_runtime`, LISTEN off (as behind a transaction pooler), version poll
// every 300 ms. An operator's SQL — a revoked key, a deactivated model — must take effect within one
// poll interval plus a margin; before the fix RLS hid the version row from this role, the poll read
// 0 for ever and a revoked key kept working until a restart. And when the row is hidden again,
// /readyz says so. Postgres only: a separate login role needs a real server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { insertProjectKey, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';

const POLL_MS = 300;
/** One poll interval plus room for a reload on a busy 2-core machine. */
const BOUND_MS = POLL_MS + 1500;
const VENDOR_KEY = 'sk-poll-env-0123456789abcdef';
const MODEL = 'poll-gpt';

describe('the version poll under the runtime role (LISTEN off)', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let openai: OpenAIMock;
  let gateway: ServeProcess | undefined;
  let login: string | undefined;
  let revokedKey: { id: string; key: string };
  let keptKey: { id: string; key: string };

  async function status(path: string, key: string): Promise<number> {
    const response = await fetch(`${(gateway as ServeProcess).url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    await response.arrayBuffer();
    return response.status;
  }

  async function readyz(): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${(gateway as ServeProcess).url}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Polls `check` every 20 ms until it holds; the ms it took, or a failure after `BOUND_MS`. */
  async function within(what: string, check: () => Promise<boolean>): Promise<number> {
    const start = performance.now();
    for (;;) {
      if (await check()) return performance.now() - start;
      if (performance.now() - start > BOUND_MS) assert.fail(`${what}: not seen within ${BOUND_MS} ms (poll every ${POLL_MS} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  before(async () => {
    openai = await startOpenAIMock({ apiKeys: [VENDOR_KEY] });
    db = await createTestDb();
    assert.ok(db.url);
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('poll-openai', 'OpenAIProvider', $1, '["POLL_OPENAI_API_KEY"]')`,
      [openai.baseUrl],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o-mini' from public.ai_providers where name = 'poll-openai'`, [MODEL]);
    revokedKey = await insertProjectKey(db, 'poll');
    keptKey = await insertProjectKey(db, 'poll', 'kept');
    // The deployment the README documents: a login role that is a member of switchboard_runtime.
    login = `sb_rt_${randomBytes(5).toString('hex')}`;
    await db.exec(`create role ${login} login in role switchboard_runtime`);
    const url = new URL(db.url);
    url.username = login;
    gateway = await startServeProcess({
      databaseUrl: url.toString(),
      env: { POLL_OPENAI_API_KEY: VENDOR_KEY, SWITCHBOARD_CONFIG_LISTEN: '0', SWITCHBOARD_CONFIG_POLL_MS: String(POLL_MS) },
    });
  });
  after(async () => {
    const code = await gateway?.stop();
    await openai?.close();
    if (login !== undefined) await db?.exec(`drop role if exists ${login}`);
    await db?.dispose();
    if (gateway) assert.equal(code, 0);
  });

  test('/readyz is ready and reports the real config version', async () => {
    const version = await db.query<{ version: string }>(`select version::text from public.switchboard_config_version`);
    assert.deepEqual(await readyz(), { status: 200, body: { status: 'ready', config_version: Number(version.rows[0]?.version) } });
  });

  test('a model deactivated with SQL is gone within one poll interval', async () => {
    assert.equal(await status(`/v1/models/${MODEL}`, keptKey.key), 200);
    await db.exec(`update public.ai_models set is_active = false where name = '${MODEL}'`);
    const ms = await within('model deactivation', async () => (await status(`/v1/models/${MODEL}`, keptKey.key)) === 404);
    console.log(`model deactivation seen after ${ms.toFixed(0)} ms (poll ${POLL_MS} ms, runtime role, LISTEN off)`);
  });

  test('a key revoked with SQL answers 401 within one poll interval; the other key keeps working', async () => {
    assert.equal(await status('/v1/models', revokedKey.key), 200);
    await db.query(`update public.api_keys set revoked_at = now() where id = $1`, [revokedKey.id]);
    const ms = await within('key revocation', async () => (await status('/v1/models', revokedKey.key)) === 401);
    console.log(`key revocation seen after ${ms.toFixed(0)} ms (poll ${POLL_MS} ms, runtime role, LISTEN off)`);
    assert.equal(await status('/v1/models', keptKey.key), 200);
  });

  test('when the version row is hidden from the role again, /readyz answers 503 and says why; restored, it is ready again', async () => {
    await db.exec(`drop policy config_version_runtime_select on public.switchboard_config_version`);
    await within('readyz 503', async () => (await readyz()).status === 503);
    const { body } = await readyz();
    assert.equal(body['status'], 'not_ready');
    assert.equal(body['config_version'], 0);
    assert.match(String(body['reason']), /config version reads 0.*switchboard_config_version/);
    await (gateway as ServeProcess).waitForLog((line) => String(line['msg']).includes('the config version reads 0'));
    await db.exec(`create policy config_version_runtime_select on public.switchboard_config_version for select to switchboard_runtime using (true)`);
    await within('readyz 200 again', async () => (await readyz()).status === 200);
  });
});
