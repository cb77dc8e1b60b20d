// Found by an attack review (fixed): a credential load that fails because the database did not answer (a blip, a failover) must not
// stay cached: CredentialStore keeps the load's promise in `#loading` and only removes it when it
// succeeds, so a rejected load answers every later call of that project and provider with the same
// error on this instance, until some credential or project changes (invalidate()).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import type { Db } from '../../src/db/db.js';
import { DatabaseError } from '../../src/errors.js';
import { CredentialStore } from '../../src/credentials/credential-store.js';
import type { CredentialTarget } from '../../src/credentials/credential-resolver.js';

describe('a failed credential load', () => {
  let db: TestDb;
  let projectId: string;
  let provider: CredentialTarget;

  before(async () => {
    db = await createTestDb();
    const result = await db.query<{ id: string }>(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('blip-openai', 'OpenAIProvider', 'http://127.0.0.1:9/v1', '["BLIP_OPENAI_KEY"]'::jsonb) returning id`,
    );
    provider = { id: (result.rows[0] as { id: string }).id, name: 'blip-openai', requiredEnvVars: ['BLIP_OPENAI_KEY'], baseUrl: 'http://127.0.0.1:9/v1' };
    projectId = ((await db.query<{ id: string }>(`insert into public.projects (name) values ('blip') returning id`)).rows[0] as { id: string }).id;
  });
  after(async () => {
    await db?.dispose();
  });

  it('is retried by the next call once the database answers again', async () => {
    let down = true;
    const flaky: Db = {
      kind: db.kind,
      query: (sql, params) => db.query(sql, params),
      exec: (sql) => db.exec(sql),
      transaction: (work) => (down ? Promise.reject(new DatabaseError('database_unavailable', 'database unavailable: connection terminated')) : db.transaction(work)),
      listen: (channel, handler, onLost) => db.listen(channel, handler, onLost),
      close: () => db.close(),
    };
    const store = new CredentialStore(flaky, createKeyring(createMasterKey(randomBytes(32))), { SWITCHBOARD_ALLOWED_ENV_VARS: 'BLIP_*', BLIP_OPENAI_KEY: 'sk-blip-0123456789' });
    await assert.rejects(Promise.resolve().then(() => store.resolve(projectId, provider)), /unavailable/);
    down = false;
    // The database is back: the project's calls work again (they did before the blip).
    assert.deepEqual(await store.resolve(projectId, provider), { apiKey: 'sk-blip-0123456789' });
  });
});
