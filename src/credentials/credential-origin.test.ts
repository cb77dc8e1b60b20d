// Origin binding on a real database: what origin a write binds to (payload base_url, row URL, class
// default), the refusal without any URL, and the one-off binding of legacy envelopes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { credentialAssociatedData, openSecret, sealSecret } from '../crypto/envelope.js';
import { createKeyring, createMasterKey } from '../crypto/keyring.js';
import { SwitchboardError } from '../errors.js';
import { bindLegacyCredentials, describeBinding } from './bind-legacy-credentials.js';
import { urlOrigin } from './credential-origin.js';
import { CredentialStore } from './credential-store.js';

const keyring = createKeyring(createMasterKey(randomBytes(32)));
const classBaseUrl = (className: string) => (className === 'CohereProvider' ? 'https://api.cohere.com/v2' : undefined);

describe('urlOrigin', () => {
  it('is scheme://host[:port] of an http(s) URL, undefined otherwise', () => {
    assert.equal(urlOrigin('https://API.OpenAI.com:443/v1/'), 'https://api.openai.com');
    assert.equal(urlOrigin('http://127.0.0.1:8080/v1'), 'http://127.0.0.1:8080');
    assert.notEqual(urlOrigin('http://127.0.0.1:8080/v1'), urlOrigin('http://127.0.0.1:8081/v1'));
    assert.notEqual(urlOrigin('http://api.x.ai/v1'), urlOrigin('https://api.x.ai/v1'));
    for (const url of [undefined, 'ftp://host/x', 'not a url', 'file:///etc/passwd']) assert.equal(urlOrigin(url), undefined, String(url));
  });
});

describe('binding on a real database', () => {
  let db: TestDb;
  let projectId: string;
  const providers: Record<string, string> = {};
  const sealed = async (providerId: string) => {
    const row = await db.query<{ credentials: string }>(`select credentials from public.ai_provider_credentials where project_id = $1 and provider_id = $2`, [projectId, providerId]);
    const envelope = (row.rows[0] as { credentials: string }).credentials;
    return JSON.parse(openSecret(envelope, keyring, credentialAssociatedData(projectId, providerId))) as Record<string, unknown>;
  };

  before(async () => {
    db = await createTestDb();
    for (const [name, className, url] of [
      ['bind-url', 'OpenAIProvider', 'https://llm.example.com:8443/v1'],
      ['bind-default', 'CohereProvider', null],
      ['bind-none', 'CustomProvider', null],
    ] as const) {
      const result = await db.query<{ id: string }>(`insert into public.ai_providers (name, provider_class, api_base_url) values ($1, $2, $3) returning id`, [name, className, url]);
      providers[name] = (result.rows[0] as { id: string }).id;
    }
    projectId = ((await db.query<{ id: string }>(`insert into public.projects (name) values ('bind-p') returning id`)).rows[0] as { id: string }).id;
  });
  after(async () => {
    await db?.dispose();
  });
  beforeEach(async () => {
    await db.query(`delete from public.ai_provider_credentials`);
  });

  it("set binds to the payload's base_url, else the row's URL, else the class default", async () => {
    const store = new CredentialStore(db, keyring, {}, { classBaseUrl });
    await store.set(projectId, providers['bind-url'] as string, { api_key: 'sk-1' });
    assert.equal((await sealed(providers['bind-url'] as string))['bound_origin'], 'https://llm.example.com:8443');
    await store.set(projectId, providers['bind-default'] as string, { api_key: 'co-1' });
    assert.equal((await sealed(providers['bind-default'] as string))['bound_origin'], 'https://api.cohere.com');
    await store.set(projectId, providers['bind-none'] as string, { api_key: 'k-1', base_url: 'http://10.0.0.5:11434/v1' });
    assert.equal((await sealed(providers['bind-none'] as string))['bound_origin'], 'http://10.0.0.5:11434');
  });

  it('set refuses a provider without any http(s) URL, storing nothing', async () => {
    await assert.rejects(new CredentialStore(db, keyring, {}, { classBaseUrl }).set(projectId, providers['bind-none'] as string, { api_key: 'k-secret-1' }), (error: unknown) => {
      assert.ok(SwitchboardError.isInstance(error));
      assert.equal(error.code, 'invalid_request');
      assert.match(error.message, /^Provider 'bind-none' has no http\(s\) api_base_url, so there is no origin to bind its credential to/);
      assert.ok(!error.message.includes('k-secret-1'));
      return true;
    });
    const count = await db.query<{ n: number }>(`select count(*)::int as n from public.ai_provider_credentials`);
    assert.deepEqual(count.rows, [{ n: 0 }]);
  });

  it('bindLegacyCredentials binds legacy envelopes once, leaves bound, URL-less and unreadable rows alone', async () => {
    const legacy = (providerId: string, payload: unknown, key = keyring.current) =>
      db.query(`insert into public.ai_provider_credentials (project_id, provider_id, credentials) values ($1, $2, $3)`, [
        projectId, providerId, sealSecret(JSON.stringify(payload), key, credentialAssociatedData(projectId, providerId)),
      ]);
    await legacy(providers['bind-url'] as string, { api_key: 'sk-legacy' });
    await legacy(providers['bind-default'] as string, { api_key: 'co-legacy', organization: 'org-1' });
    await legacy(providers['bind-none'] as string, { api_key: 'k-legacy' });
    // A database upgraded from before origin binding (a fresh one is marked done at migration).
    await db.query(`delete from public.switchboard_upgrades where name = 'credential-origin-binding'`);
    const first = await bindLegacyCredentials(db, keyring, classBaseUrl);
    assert.deepEqual(first, { bound: 2, unbound: 1, unreadable: 0, filtered: false, refused: 0 });
    assert.equal(
      describeBinding(first),
      "bound 2 stored credential(s) sealed before origin binding to their provider's current URL; " +
        '1 stored credential(s) sealed before origin binding stay unusable: their provider has no http(s) URL',
    );
    assert.deepEqual(await sealed(providers['bind-url'] as string), { api_key: 'sk-legacy', bound_origin: 'https://llm.example.com:8443' });
    assert.deepEqual(await sealed(providers['bind-default'] as string), { api_key: 'co-legacy', organization: 'org-1', bound_origin: 'https://api.cohere.com' });
    assert.deepEqual(await sealed(providers['bind-none'] as string), { api_key: 'k-legacy' });
    // Once: a row under an unknown key is counted, not touched; a legacy row found later is refused.
    await db.query(`delete from public.ai_provider_credentials where provider_id = $1`, [providers['bind-none'] as string]);
    await legacy(providers['bind-none'] as string, { api_key: 'k-other' }, createMasterKey(randomBytes(32)));
    const second = await bindLegacyCredentials(db, keyring, classBaseUrl);
    assert.deepEqual(second, { bound: 0, unbound: 0, unreadable: 1, filtered: false, refused: 0 });
    assert.equal(describeBinding(second), undefined);
    await db.query(`delete from public.ai_provider_credentials where provider_id = $1`, [providers['bind-none'] as string]);
    await legacy(providers['bind-none'] as string, { api_key: 'k-late' });
    const third = await bindLegacyCredentials(db, keyring, classBaseUrl);
    assert.deepEqual(third, { bound: 0, unbound: 0, unreadable: 0, filtered: false, refused: 1 });
    assert.deepEqual(await sealed(providers['bind-none'] as string), { api_key: 'k-late' }, 'left unbound');
  });
});
