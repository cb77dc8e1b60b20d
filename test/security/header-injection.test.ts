/**
 * CR/LF (and other control characters) in anything sent as an upstream header: refused where rows
 * are written (the CLI and the admin service behind it: auth_header_prefix, config.headers,
 * credential headers) and, for rows written with plain SQL, at load time: the provider is disabled
 * with a reason, its models answer 503, nothing reaches the upstream and the rest keeps serving.
 * Runs on the embedded database and, with DATABASE_URL, on Postgres.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { createCliTarget, insertTenant, keyringOf, newMasterKey, runCli, type CliRun, type CliTarget, type Stack, type Tenant, startStack, upstreamKey } from './fixture.js';

const master = newMasterKey();
const vendorKey = upstreamKey('hdr');
const INJECTED = 'Bearer\r\nX-Injected: yes';

function assertRefused(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 1, run.stdout);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^switchboard: [^\n]+\n$/);
  assert.match(run.stderr, pattern);
}

describe('header values are refused at write time', () => {
  let target: CliTarget;
  const cli = (argv: string[], stdin = '') => runCli(argv, { ...target.env, SWITCHBOARD_MASTER_KEY: master.base64 }, stdin);
  const providerNames = () => target.withDb(async (db) => (await db.query<{ name: string }>(`select name from public.ai_providers where name like 'hdr-%' order by name`)).rows.map((row) => row.name));

  before(async () => {
    target = await createCliTarget();
  });
  after(async () => {
    await target?.dispose();
  });

  it('providers add/update refuse CR/LF and control characters in auth_header_prefix and config.headers', async () => {
    const add = ['providers', 'add', 'hdr-a', '--class', 'OpenAIProvider', '--base-url', 'http://127.0.0.1:9/v1'];
    assertRefused(await cli([...add, '--auth-prefix', INJECTED]), /auth_header_prefix: must not contain line breaks or other control characters/);
    assertRefused(
      await cli([...add, '--config', JSON.stringify({ headers: { 'x-team': 'search\r\nX-Injected: yes' } })]),
      /config\.headers\.x-team: must not contain line breaks or other control characters/,
    );
    assertRefused(await cli([...add, '--config', JSON.stringify({ headers: { 'x-team': 'a\u0000b' } })]), /config\.headers\.x-team: must not contain/);
    assert.deepEqual(await providerNames(), []);

    const created = await cli([...add, '--auth-prefix', 'Token', '--config', JSON.stringify({ headers: { 'x-team': 'search\tteam' } })]);
    assert.equal(created.code, 0, created.stderr);
    assertRefused(await cli(['providers', 'update', 'hdr-a', '--auth-prefix', 'Bearer\nX-Injected: yes']), /auth_header_prefix: must not contain line breaks/);
    assertRefused(await cli(['providers', 'update', 'hdr-a', '--auth-prefix', 'Bearer\u0007']), /auth_header_prefix: must not contain/);
    const prefix = await target.withDb(async (db) => (await db.query<{ prefix: string }>(`select auth_header_prefix as prefix from public.ai_providers where name = 'hdr-a'`)).rows[0]?.prefix);
    assert.equal(prefix, 'Token');
  });

  it('credentials set refuses CR/LF in a credential header value', async () => {
    await target.withDb((db) => db.query(`insert into public.projects (name) values ('hdr-project') on conflict (name) do nothing`));
    const run = await cli(
      ['credentials', 'set', '--project', 'hdr-project', '--provider', 'hdr-a', '--json-stdin'],
      JSON.stringify({ api_key: vendorKey, headers: { 'x-tenant': 'acme\r\nX-Injected: yes' } }),
    );
    assertRefused(run, /Invalid credentials payload at headers\.x-tenant: must not contain line breaks or other control characters/);
    assert.equal(run.stderr.includes(vendorKey), false);
    const count = await target.withDb(async (db) => (await db.query<{ count: number }>(`select count(*)::int as count from public.ai_provider_credentials`)).rows[0]?.count);
    assert.equal(count, 0);
  });
});

describe('header values written with SQL are caught at load time', () => {
  let db: TestDb;
  let mock: OpenAIMock;
  let stack: Stack;
  let tenant: Tenant;

  before(async () => {
    mock = await startOpenAIMock({ apiKeys: [vendorKey] });
    db = await createTestDb();
    const insert = (name: string, headerName: string | null, prefix: string | null) =>
      db.query(
        `with p as (
           insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, auth_header_name, auth_header_prefix)
           values ($1, 'OpenAIProvider', $2, '["HDR_API_KEY"]'::jsonb, $3, $4) returning id)
         insert into public.ai_models (name, provider_id, model_id) select $1 || '-gpt', id, 'gpt-4o-mini' from p`,
        [name, mock.baseUrl, headerName, prefix],
      );
    await insert('hdr-prefix', null, INJECTED);
    await insert('hdr-name', 'Authorization\r\nX-Injected', null);
    await insert('hdr-good', null, null);
    tenant = await insertTenant(db, 'hdr-tenant');
    stack = await startStack(db, { keyring: keyringOf(master.key), env: { HDR_API_KEY: vendorKey } });
  });
  after(async () => {
    await stack?.close();
    await mock?.close();
    await db?.dispose();
  });

  const chat = (model: string) =>
    fetch(`${stack.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('a provider whose auth_header_prefix or auth_header_name holds CR/LF is unavailable with the reason; nothing reaches the upstream', async () => {
    const byName = stack.sb.watcher.snapshot.registry.models;
    assert.equal(byName.get('hdr-prefix-gpt')?.status, 'unavailable');
    assert.match(byName.get('hdr-prefix-gpt')?.reason ?? '', /invalid auth_header_prefix: must not contain line breaks or other control characters/);
    assert.equal(byName.get('hdr-name-gpt')?.status, 'unavailable');
    assert.match(byName.get('hdr-name-gpt')?.reason ?? '', /invalid auth_header_name: is not a valid HTTP header name/);

    for (const [model, field] of [['hdr-prefix-gpt', 'auth_header_prefix'], ['hdr-name-gpt', 'auth_header_name']] as const) {
      const response = await chat(model);
      assert.equal(response.status, 503);
      const body = (await response.json()) as { error: { message: string; code: string } };
      assert.match(body.error.message, new RegExp(`is unavailable: provider '${model.replace(/-gpt$/, '')}' is unavailable: invalid ${field}`));
    }
    assert.equal(mock.requests.length, 0);

    // The rest keeps serving, with the key sent as one plain header.
    const good = await chat('hdr-good-gpt');
    assert.equal(good.status, 200, await good.clone().text());
    assert.equal(mock.requests.length, 1);
    assert.equal(mock.requests[0]?.headers.authorization, `Bearer ${vendorKey}`);
    assert.equal(mock.requests[0]?.headers['x-injected'], undefined);
  });
});
