// Found by an attack review (live configuration: a revoked or expired key stops working at once). A /v1 request is
// authenticated when its head arrives; its body may take up to SWITCHBOARD_REQUEST_TIMEOUT_MS
// (60 s) more. A key holder who sends heads ahead (any number of connections) keeps calls
// "authenticated" that it fires after the key was revoked, or after it expired: each went upstream
// on the operator's vendor account. The key must be checked against the configuration current when
// the call is made. PGlite or Postgres.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { insertProjectKey } from '../helpers/serve-process.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

const VENDOR_KEY = 'sk-held-env-0123456789abcdef';
const ENV = { HELD_OPENAI_API_KEY: VENDOR_KEY };

describe('a request whose body arrives after its key was revoked or expired', () => {
  let db: TestDb;
  let openai: OpenAIMock;
  let switchboard: Switchboard;
  let gateway: Gateway;
  let port: number;

  /** Sends the head and the first half of a chat body now; `finish()` sends the rest and resolves with the status. */
  function startHeldRequest(key: string): { finish(): Promise<{ status: number; body: string }> } {
    const body = JSON.stringify({ model: 'held-gpt', messages: [{ role: 'user', content: 'sent after the revocation' }] });
    const half = Math.floor(body.length / 2);
    const request: ClientRequest = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
    });
    request.flushHeaders();
    request.write(body.slice(0, half));
    return {
      finish: () => {
        request.end(body.slice(half));
        return answer;
      },
    };
  }

  async function modelsStatus(key: string): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    await response.arrayBuffer();
    return response.status;
  }

  before(async () => {
    openai = await startOpenAIMock({ apiKeys: [VENDOR_KEY] });
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('held-openai', 'OpenAIProvider', $1, '["HELD_OPENAI_API_KEY"]')`,
      [openai.baseUrl],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'held-gpt', id, 'gpt-4o-mini' from public.ai_providers where name = 'held-openai'`);
    switchboard = await createSwitchboard({ db, env: ENV, keyring: createKeyring(createMasterKey(randomBytes(32))), migrate: false, pollMs: 0, listen: false });
    const config: Config = Object.freeze({ ...loadConfig({}), env: Object.freeze({ ...ENV }) });
    gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config });
    port = (await gateway.listen(0, '127.0.0.1')).port;
  });

  after(async () => {
    await gateway?.close();
    await switchboard?.close();
    await db?.dispose();
    await openai?.close();
  });

  test('revoked: the call whose body completes after the revocation is refused, not sent upstream', async () => {
    const { id, key } = await insertProjectKey(db, 'held');
    await switchboard.reloadChanged();
    const held = startHeldRequest(key);
    await new Promise((resolve) => setTimeout(resolve, 200));

    await db.query('update public.api_keys set revoked_at = now() where id = $1', [id]);
    await switchboard.reloadChanged();
    assert.equal(await modelsStatus(key), 401, 'the revocation is applied on this instance');

    const upstreamBefore = openai.requests.length;
    const answer = await held.finish();
    assert.equal(answer.status, 401, `a call made with a revoked key was served: ${answer.status} ${answer.body.slice(0, 200)}`);
    assert.equal(openai.requests.length, upstreamBefore, 'nothing went upstream on the vendor account');
  });

  test('expired: the call whose body completes after expires_at is refused (no write at all)', async () => {
    const { id, key } = await insertProjectKey(db, 'held', 'expiring');
    await db.query(`update public.api_keys set expires_at = now() + interval '1 second' where id = $1`, [id]);
    await switchboard.reloadChanged();
    assert.equal(await modelsStatus(key), 200);
    const held = startHeldRequest(key);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    assert.equal(await modelsStatus(key), 401, 'expired by time, no write, no reload');

    const upstreamBefore = openai.requests.length;
    const answer = await held.finish();
    assert.equal(answer.status, 401, `a call made with an expired key was served: ${answer.status} ${answer.body.slice(0, 200)}`);
    assert.equal(openai.requests.length, upstreamBefore, 'nothing went upstream on the vendor account');
  });
});
