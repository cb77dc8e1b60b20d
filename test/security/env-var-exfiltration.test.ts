// Issue 17, item 3 (a): whoever can write a provider row (the admin token, a database writer) names
// the gateway's own secrets in required_env_vars and points the row at a host they own. The gateway
// must never read SWITCHBOARD_*, DATABASE_URL or PG* through a row, whatever SWITCHBOARD_ALLOWED_ENV_VARS
// says, and by default only *_API_KEY names: the capture server never receives those values.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { APIError } from 'openai';
import { createEnvVarPolicy } from '../../src/credentials/env-var-policy.js';
import type { Queryable } from '../../src/db/db.js';
import { SwitchboardError } from '../../src/errors.js';
import { builtinProviderClasses } from '../../src/providers/builtin.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { insertTenant, keyringOf, leakedSecrets, newMasterKey, startStack, type Stack, type Tenant } from './fixture.js';

const master = newMasterKey();
const secrets = {
  SWITCHBOARD_MASTER_KEY: master.base64,
  SWITCHBOARD_ADMIN_TOKEN: `admin-${randomBytes(16).toString('hex')}`,
  DATABASE_URL: `postgres://app:${randomBytes(12).toString('hex')}@db.internal:5432/app`,
  PGPASSWORD: `pg-${randomBytes(12).toString('hex')}`,
  AWS_SECRET_ACCESS_KEY: `aws-${randomBytes(12).toString('hex')}`,
};
const allowedKey = `sk-allowed-${randomBytes(12).toString('hex')}`;
/** Rows an attacker writes: each names one secret and points at the capture server. */
const attacks = [
  ['exfil-master', 'SWITCHBOARD_MASTER_KEY'],
  ['exfil-admin', 'SWITCHBOARD_ADMIN_TOKEN'],
  ['exfil-db', 'DATABASE_URL'],
  ['exfil-pg', 'PGPASSWORD'],
  ['exfil-second', 'EXFIL_OK_API_KEY", "DATABASE_URL'],
] as const;

let db: TestDb;
let capture: OpenAIMock;
let tenant: Tenant;

async function insertProvider(target: Queryable, name: string, envVars: string[], baseUrl: string): Promise<void> {
  const result = await target.query<{ id: string }>(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ($1, 'OpenAIProvider', $2, $3::jsonb) returning id`,
    [name, baseUrl, JSON.stringify(envVars)],
  );
  const id = (result.rows[0] as { id: string }).id;
  await target.query(`insert into public.ai_models (name, provider_id, model_id) values ($1, $2, 'gpt-4o-mini')`, [`${name}-model`, id]);
}

before(async () => {
  capture = await startOpenAIMock({ apiKeys: [] });
  db = await createTestDb();
  for (const [name, envVars] of attacks) await insertProvider(db, name, envVars.split('", "'), capture.baseUrl);
  await insertProvider(db, 'exfil-aws', ['AWS_SECRET_ACCESS_KEY'], capture.baseUrl);
  await insertProvider(db, 'exfil-control', ['EXFIL_OK_API_KEY'], capture.baseUrl);
  tenant = await insertTenant(db, 'exfil-tenant');
});

after(async () => {
  await capture?.close();
  await db?.dispose();
});

/** Everything the capture server received, as text. */
const captured = (): string => JSON.stringify(capture.requests.map((request) => ({ url: request.url, headers: request.headers, body: request.body })));

async function withStack(setting: string | undefined, work: (stack: Stack) => Promise<void>): Promise<void> {
  const env: Record<string, string> = { ...secrets, EXFIL_OK_API_KEY: allowedKey, ...(setting === undefined ? {} : { SWITCHBOARD_ALLOWED_ENV_VARS: setting }) };
  const stack = await startStack(db, { keyring: keyringOf(master.key), env });
  try {
    await work(stack);
  } finally {
    await stack.close();
  }
}

/** The call fails with credential_missing naming `variable` (never a value), over HTTP and through the library. */
async function assertRefused(stack: Stack, model: string, variable: string, reason: RegExp): Promise<void> {
  const before = capture.requests.length;
  await assert.rejects(stack.client(tenant.apiKey).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
    assert.ok(error instanceof APIError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'credential_missing');
    assert.match(error.message, new RegExp(`required_env_vars names '${variable}', which ${reason.source}`));
    assert.deepEqual(leakedSecrets(error.message, secrets), []);
    return true;
  });
  await assert.rejects(stack.sb.chat({ model, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }), (error: unknown) => {
    assert.ok(SwitchboardError.isInstance(error));
    assert.equal(error.code, 'credential_missing');
    assert.deepEqual(leakedSecrets(error.message, secrets), []);
    return true;
  });
  assert.equal(capture.requests.length, before, `${model}: no request reached the capture server`);
}

describe('required_env_vars cannot exfiltrate the gateway environment', () => {
  for (const setting of [undefined, '*']) {
    it(`SWITCHBOARD_*, DATABASE_URL and PG* are never sent (SWITCHBOARD_ALLOWED_ENV_VARS=${setting ?? 'unset'})`, async () => {
      await withStack(setting, async (stack) => {
        for (const [name, envVars] of attacks) {
          const refused = name === 'exfil-second' ? 'DATABASE_URL' : envVars;
          await assertRefused(stack, `${name}-model`, refused, /is reserved for the gateway itself/);
        }
        // The loader logged each row once, naming the variable.
        const warnings = stack.logs.map((entry) => entry.line).join('\n');
        for (const [name] of attacks) assert.match(warnings, new RegExp(`provider '${name}': required_env_vars names '`));
        assert.deepEqual(leakedSecrets(warnings, secrets), []);
      });
      assert.deepEqual(leakedSecrets(captured(), secrets), []);
    });
  }

  it('by default any other name is refused too; the operator can allow it', async () => {
    await withStack(undefined, async (stack) => {
      await assertRefused(stack, 'exfil-aws-model', 'AWS_SECRET_ACCESS_KEY', /is not allowed by SWITCHBOARD_ALLOWED_ENV_VARS \(now: \*_API_KEY;/);
    });
    assert.deepEqual(leakedSecrets(captured(), secrets), []);
    await withStack('AWS_SECRET_ACCESS_KEY', async (stack) => {
      await stack.client(tenant.apiKey).chat.completions.create({ model: 'exfil-aws-model', messages: [{ role: 'user', content: 'hi' }] });
    });
    assert.deepEqual(leakedSecrets(captured(), secrets), ['AWS_SECRET_ACCESS_KEY'], 'an allowed variable is sent (the operator chose it)');
  });

  it('control: an allowed *_API_KEY variable does reach the same server (the capture would see a leak)', async () => {
    const before = capture.requests.length;
    await withStack(undefined, async (stack) => {
      const completion = await stack.client(tenant.apiKey).chat.completions.create({ model: 'exfil-control-model', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(completion.choices[0]?.message.content, 'Echo: hi');
    });
    assert.deepEqual(capture.requests.slice(before).map((request) => request.headers.authorization), [`Bearer ${allowedKey}`]);
  });
});

describe('the default setting keeps every seeded provider working', () => {
  it('allows every name the seeded rows, the built-in classes and the seed document use', () => {
    const sql = readFileSync(new URL('../../supabase/migrations/20261125100100_seed_builtin_providers.sql', import.meta.url), 'utf8');
    const fromRows = [...sql.matchAll(/'\[((?:"[A-Z0-9_]+",?\s*)*)\]'/g)].flatMap((match) => [...(match[1] ?? '').matchAll(/"([A-Z0-9_]+)"/g)].map((name) => name[1] as string));
    const fromClasses = [...builtinProviderClasses.values()].flatMap((providerClass) => providerClass.defaults.requiredEnvVars ?? []);
    assert.equal(fromRows.length, 11, fromRows.join(','));
    const policy = createEnvVarPolicy(undefined);
    for (const name of [...fromRows, ...fromClasses, 'LOCAL_LLM_API_KEY']) assert.equal(policy.refusal(name), undefined, name);
  });
});
