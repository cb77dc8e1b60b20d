// Per-project credentials through the whole stack (real openai SDK → gateway → createSwitchboard's
// CredentialStore → strict OpenAI mock): each project's own stored key, the env-var fallback, the
// missing-credential error, what the `credentials` column holds, and failing closed on a moved or
// tampered ciphertext or a wrong master key (never falling back to the env var).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APIError } from 'openai';
import { CredentialStore } from '../../src/credentials/credential-store.js';
import { SwitchboardError } from '../../src/errors.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import {
  EMBED_MODEL,
  ENV_VAR,
  keyringOf,
  leakedSecrets,
  MODEL,
  newMasterKey,
  startStack,
  storedRow,
  UNSET_ENV_VAR,
  UNSET_MODEL,
  UNSET_PROVIDER,
  upstreamKey,
  seedTenants,
  type SeededTenants,
  type Stack,
  type Tenant,
} from './fixture.js';

const keys = { alpha: upstreamKey('alpha'), beta: upstreamKey('beta'), env: upstreamKey('env') };
const master = newMasterKey();
const env = { [ENV_VAR]: keys.env };

let db: TestDb;
let mock: OpenAIMock;
let seeded: SeededTenants;
let stack: Stack;
let alpha: Tenant;
let beta: Tenant;
let gamma: Tenant;

before(async () => {
  mock = await startOpenAIMock({ apiKeys: [keys.alpha, keys.beta, keys.env] });
  db = await createTestDb();
  seeded = await seedTenants(db, mock.baseUrl, ['alpha', 'beta', 'gamma']);
  ({ alpha, beta, gamma } = seeded.tenants as { alpha: Tenant; beta: Tenant; gamma: Tenant });
  const store = new CredentialStore(db, keyringOf(master.key), {});
  await store.set(alpha.id, seeded.providerId, { api_key: keys.alpha });
  await store.set(beta.id, seeded.providerId, { api_key: keys.beta });
  stack = await startStack(db, { keyring: keyringOf(master.key), env });
});

after(async () => {
  await stack?.close();
  await mock?.close();
  await db?.dispose();
});

/** The Authorization header of the upstream calls made while `work` ran. */
async function upstreamAuth(work: () => Promise<unknown>): Promise<string[]> {
  const before = mock.requests.length;
  await work();
  return mock.requests.slice(before).map((request) => String(request.headers.authorization));
}

/** Asserts `promise` fails with an OpenAI API error of this status and code. */
async function rejectsWith(promise: Promise<unknown>, status: number, code: string): Promise<APIError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return error instanceof APIError && error.status === status && error.code === code;
  });
  return caught as APIError;
}

const chat = (tenant: Tenant, text: string, model = MODEL) =>
  stack.client(tenant.apiKey).chat.completions.create({ model, messages: [{ role: 'user', content: text }] });

describe('resolution per project', () => {
  it("sends each project's own stored key upstream, interleaved", async () => {
    for (const [tenant, key] of [
      [alpha, keys.alpha],
      [beta, keys.beta],
      [alpha, keys.alpha],
      [beta, keys.beta],
    ] as const) {
      let answer = '';
      const auth = await upstreamAuth(async () => {
        const completion = await chat(tenant, `hello from ${tenant.name}`);
        answer = completion.choices[0]?.message.content ?? '';
      });
      assert.deepEqual(auth, [`Bearer ${key}`]);
      assert.equal(answer, `Echo: hello from ${tenant.name}`);
    }
  });

  it('uses the stored key for embeddings too', async () => {
    let vectors = 0;
    const auth = await upstreamAuth(async () => {
      const result = await stack.client(beta.apiKey).embeddings.create({ model: EMBED_MODEL, input: 'vector me', encoding_format: 'float' });
      vectors = result.data.length;
    });
    assert.deepEqual(auth, [`Bearer ${keys.beta}`]);
    assert.equal(vectors, 1);
  });

  it('falls back to the env var for a project without a row', async () => {
    let answer = '';
    const auth = await upstreamAuth(async () => {
      answer = (await chat(gamma, 'no row here')).choices[0]?.message.content ?? '';
    });
    assert.deepEqual(auth, [`Bearer ${keys.env}`]);
    assert.equal(answer, 'Echo: no row here');
  });

  it('without a row or the env var: a clear error naming both options, and no upstream call', async () => {
    for (const tenant of [gamma, alpha]) {
      const auth = await upstreamAuth(async () => {
        const error = await rejectsWith(chat(tenant, 'anyone?', UNSET_MODEL), 400, 'credential_missing');
        assert.match(error.message, new RegExp(`No credentials for provider '${UNSET_PROVIDER}'`));
        assert.match(error.message, new RegExp(`set ${UNSET_ENV_VAR}`));
        assert.match(error.message, new RegExp(`switchboard credentials set --project <name> --provider ${UNSET_PROVIDER}`));
      });
      assert.deepEqual(auth, []);
    }
  });
});

describe('what is stored', () => {
  it('the credentials column holds a v1 envelope under the master key, never the plaintext', async () => {
    for (const [tenant, key] of [
      [alpha, keys.alpha],
      [beta, keys.beta],
    ] as const) {
      const row = await storedRow(db, tenant.id, seeded.providerId);
      assert.ok(row, `${tenant.name} has a row`);
      assert.match(row.credentials, new RegExp(`^v1:${master.key.id}:[A-Za-z0-9_-]+$`));
      assert.deepEqual(leakedSecrets(row.credentials, { key }), []);
      assert.equal(row.keyHint, `…${key.slice(-4)}`);
    }
    // Nowhere in the table (any column), in any spelling.
    const table = await db.query<{ row: string }>(`select t::text as row from public.ai_provider_credentials t`);
    assert.equal(table.rows.length, 2);
    assert.deepEqual(leakedSecrets(table.rows.map((r) => r.row).join('\n'), keys), []);
  });

  it('sealing the same payload twice gives different ciphertexts (fresh nonce)', async () => {
    const first = await storedRow(db, alpha.id, seeded.providerId);
    await new CredentialStore(db, keyringOf(master.key), {}).set(alpha.id, seeded.providerId, { api_key: keys.alpha });
    const second = await storedRow(db, alpha.id, seeded.providerId);
    assert.ok(first && second);
    assert.notEqual(second.credentials, first.credentials);
    await stack.sb.reload();
    assert.deepEqual(await upstreamAuth(() => chat(alpha, 'resealed')), [`Bearer ${keys.alpha}`]);
  });
});

describe('failing closed (the env var is set, and never used for a row that does not open)', () => {
  /** The request fails with credential_invalid over HTTP and through the library, with no upstream call. */
  async function assertFailsClosed(tenant: Tenant, reason: RegExp, model = MODEL, target = stack): Promise<void> {
    const auth = await upstreamAuth(async () => {
      const error = await rejectsWith(
        target.client(tenant.apiKey).chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
        500,
        'credential_invalid',
      );
      assert.doesNotMatch(error.message, /sk-/);
      await assert.rejects(target.sb.chat({ model, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, { projectId: tenant.id }), (thrown: unknown) => {
        assert.ok(SwitchboardError.isInstance(thrown));
        assert.equal(thrown.code, 'credential_invalid');
        assert.match(thrown.message, /The stored credentials of this project for provider '[a-z-]+' cannot be used/);
        assert.match(thrown.message, reason);
        return true;
      });
    });
    assert.deepEqual(auth, []);
  }

  it("a ciphertext copied into another project's row does not open", async () => {
    const alphaRow = await storedRow(db, alpha.id, seeded.providerId);
    assert.ok(alphaRow);
    await db.query(`insert into public.ai_provider_credentials (project_id, provider_id, credentials) values ($1, $2, $3)`, [
      gamma.id,
      seeded.providerId,
      alphaRow.credentials,
    ]);
    await stack.sb.reload();
    await assertFailsClosed(gamma, /moved from another project\/provider/);
    // Removing the row brings back the env-var fallback.
    await db.query(`delete from public.ai_provider_credentials where project_id = $1`, [gamma.id]);
    await stack.sb.reload();
    assert.deepEqual(await upstreamAuth(() => chat(gamma, 'env again')), [`Bearer ${keys.env}`]);
  });

  it("a ciphertext copied to another provider's row of the same project does not open", async () => {
    const alphaRow = await storedRow(db, alpha.id, seeded.providerId);
    assert.ok(alphaRow);
    await db.query(`insert into public.ai_provider_credentials (project_id, provider_id, credentials) values ($1, $2, $3)`, [
      alpha.id,
      seeded.unsetProviderId,
      alphaRow.credentials,
    ]);
    await stack.sb.reload();
    try {
      await assertFailsClosed(alpha, /moved from another project\/provider/, UNSET_MODEL);
    } finally {
      await db.query(`delete from public.ai_provider_credentials where provider_id = $1`, [seeded.unsetProviderId]);
      await stack.sb.reload();
    }
  });

  it('one flipped character of the ciphertext does not open', async () => {
    const original = await storedRow(db, beta.id, seeded.providerId);
    assert.ok(original);
    const envelope = original.credentials;
    // Flip a character in the middle of the payload (still valid base64url, so the column check passes).
    const at = envelope.lastIndexOf(':') + 20;
    const flipped = `${envelope.slice(0, at)}${envelope[at] === 'A' ? 'B' : 'A'}${envelope.slice(at + 1)}`;
    assert.notEqual(flipped, envelope);
    await db.query(`update public.ai_provider_credentials set credentials = $3 where project_id = $1 and provider_id = $2`, [beta.id, seeded.providerId, flipped]);
    await stack.sb.reload();
    try {
      await assertFailsClosed(beta, /failed authentication with master key id/);
    } finally {
      await db.query(`update public.ai_provider_credentials set credentials = $3 where project_id = $1 and provider_id = $2`, [beta.id, seeded.providerId, envelope]);
      await stack.sb.reload();
    }
    assert.deepEqual(await upstreamAuth(() => chat(beta, 'restored')), [`Bearer ${keys.beta}`]);
  });

  it('a gateway with the wrong master key fails closed; projects without a row still use the env var', async () => {
    const wrong = newMasterKey();
    const other = await startStack(db, { keyring: keyringOf(wrong.key), env });
    try {
      await assertFailsClosed(alpha, new RegExp(`master key id ${master.key.id}, which is not configured \\(configured: ${wrong.key.id}\\)`), MODEL, other);
      const auth = await upstreamAuth(() => other.client(gamma.apiKey).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'env' }] }));
      assert.deepEqual(auth, [`Bearer ${keys.env}`]);
    } finally {
      await other.close();
    }
  });

  it('a gateway with no master key at all (Postgres mode) fails closed on stored rows', async () => {
    // No SWITCHBOARD_MASTER_KEY in env and an external db: createSwitchboard loads no keyring.
    const other = await startStack(db, { keyring: undefined, env });
    try {
      await assertFailsClosed(beta, /SWITCHBOARD_MASTER_KEY is not set/, MODEL, other);
      const auth = await upstreamAuth(() => other.client(gamma.apiKey).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'env' }] }));
      assert.deepEqual(auth, [`Bearer ${keys.env}`]);
    } finally {
      await other.close();
    }
  });
});
