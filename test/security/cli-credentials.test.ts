// `switchboard credentials set|list|delete` and `master-key rotate`, run in-process against a real
// database (an embedded data dir, or Postgres with DATABASE_URL): what is stored (an envelope that
// reaches the upstream as the right key, organization and headers), what is printed (hints only),
// one-line errors with exit code 1, and no secret in any output except the one-time `keys create` print.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentialAssociatedData, envelopeKeyId, openSecret } from '../../src/crypto/envelope.js';
import { createSwitchboard } from '../../src/service/switchboard.js';
import { skipWithoutPostgres } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { createCliTarget, keyringOf, leakedSecrets, newMasterKey, runCli, upstreamKey, type CliRun, type CliTarget } from './fixture.js';

const PROVIDER = 'cli-openai';
const MODEL = 'cli-gpt';
const masterA = newMasterKey();
const masterB = newMasterKey();
const keys = { a: upstreamKey('cli-a'), aReplaced: upstreamKey('cli-a2'), b: upstreamKey('cli-b'), bad: upstreamKey('cli-bad') };

describe('credentials and master-key CLI', () => {
  let target: CliTarget;
  let mock: OpenAIMock;
  /** Every CLI output so far, for the secret sweep at the end. */
  const outputs: { argv: string[]; run: CliRun }[] = [];
  let createdApiKey: string | undefined;

  const env = (extra: Record<string, string> = { SWITCHBOARD_MASTER_KEY: masterA.base64 }) => ({ ...target.env, ...extra });
  async function cli(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
    const run = await runCli(argv, options.env ?? env(), options.stdin ?? '');
    outputs.push({ argv, run });
    return run;
  }
  /** Asserts a failed run: exit code 1 and exactly one `switchboard: …` line on stderr. */
  function assertOneLineError(run: CliRun, pattern: RegExp): void {
    assert.equal(run.code, 1, run.stdout);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^switchboard: [^\n]+\n$/);
    assert.match(run.stderr, pattern);
  }
  const rows = () =>
    target.withDb(async (db) =>
      (
        await db.query<{ project: string; projectId: string; providerId: string; credentials: string; keyHint: string | null }>(
          `select p.name as project, c.project_id as "projectId", c.provider_id as "providerId", c.credentials, c.key_hint as "keyHint"
             from public.ai_provider_credentials c join public.projects p on p.id = c.project_id order by p.name`,
        )
      ).rows,
    );

  before(async () => {
    mock = await startOpenAIMock({ apiKeys: [keys.a, keys.aReplaced, keys.b] });
    target = await createCliTarget();
    await target.withDb(async (db) => {
      await db.query(
        `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ($1, 'OpenAIProvider', $2, '["CLI_OPENAI_API_KEY"]'::jsonb)`,
        [PROVIDER, mock.baseUrl],
      );
      await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o-mini' from public.ai_providers where name = $2`, [MODEL, PROVIDER]);
      await db.query(`insert into public.projects (name) values ('cli-a'), ('cli-b'), ('cli-c')`);
    });
  });
  after(async () => {
    await mock?.close();
    await target?.dispose();
  });

  it('set --api-key-stdin and --api-key (--json) store envelopes and print only the last four characters', async () => {
    const fromStdin = await cli(['credentials', 'set', '--project', 'cli-a', '--provider', PROVIDER, '--api-key-stdin'], { stdin: `  ${keys.a}\n` });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal(fromStdin.stdout, `Stored the credential of project 'cli-a' for provider '${PROVIDER}' (key …${keys.a.slice(-4)}).\n`);
    assert.equal(fromStdin.stderr, '');
    const fromFlag = await cli(['credentials', 'set', '--project', 'cli-b', '--provider', PROVIDER, '--api-key', keys.b, '--json']);
    assert.equal(fromFlag.code, 0, fromFlag.stderr);
    assert.deepEqual(JSON.parse(fromFlag.stdout), { project: 'cli-b', provider: PROVIDER, keyHint: `…${keys.b.slice(-4)}` });
    const stored = await rows();
    assert.deepEqual(
      stored.map((row) => [row.project, row.keyHint, envelopeKeyId(row.credentials)]),
      [
        ['cli-a', `…${keys.a.slice(-4)}`, masterA.key.id],
        ['cli-b', `…${keys.b.slice(-4)}`, masterA.key.id],
      ],
    );
    const opened = stored.map((row) => JSON.parse(openSecret(row.credentials, keyringOf(masterA.key), credentialAssociatedData(row.projectId, row.providerId))) as unknown);
    // Bound at write time to the origin of the provider's URL.
    assert.deepEqual(opened, [
      { api_key: keys.a, bound_origin: mock.origin },
      { api_key: keys.b, bound_origin: mock.origin },
    ]);
    assert.deepEqual(leakedSecrets(stored.map((row) => row.credentials).join('\n'), keys), []);
  });

  it('set --json-stdin replaces the credential with organization and headers, which reach the upstream', async () => {
    const payload = { api_key: keys.aReplaced, organization: 'org-cli-a', headers: { 'X-Tenant': 'cli-a' } };
    const run = await cli(['credentials', 'set', '--project', 'cli-a', '--provider', PROVIDER, '--json-stdin'], { stdin: JSON.stringify(payload) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Stored the credential of project 'cli-a' for provider '${PROVIDER}' (key …${keys.aReplaced.slice(-4)}).\n`);
    await target.withDb(async (db) => {
      const sb = await createSwitchboard({ db, keyring: keyringOf(masterA.key), env: {}, migrate: false, pollMs: 0, listen: false });
      try {
        const projects = await db.query<{ id: string; name: string }>(`select id, name from public.projects where name in ('cli-a', 'cli-b') order by name`);
        for (const project of projects.rows) {
          const first = mock.requests.length;
          const answer = await sb.chat({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'text', text: `via ${project.name}` }] }] }, { projectId: project.id });
          assert.equal(answer.choices[0]?.content, `Echo: via ${project.name}`);
          const received = mock.requests.slice(first);
          assert.equal(received.length, 1);
          const headers = received[0]?.headers ?? {};
          if (project.name === 'cli-a') {
            assert.equal(headers.authorization, `Bearer ${keys.aReplaced}`);
            assert.equal(headers['openai-organization'], 'org-cli-a');
            assert.equal(headers['x-tenant'], 'cli-a');
          } else {
            assert.equal(headers.authorization, `Bearer ${keys.b}`);
            assert.equal(headers['openai-organization'], undefined);
            assert.equal(headers['x-tenant'], undefined);
          }
        }
      } finally {
        await sb.close();
      }
    });
  });

  it('list shows provider, last four characters and updated_at, never the secret (table and --json)', async () => {
    const table = await cli(['credentials', 'list']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^projectName\s+providerName\s+keyHint\s+updatedAt$/);
    assert.match(lines[2] ?? '', new RegExp(`^cli-a\\s+${PROVIDER}\\s+…${keys.aReplaced.slice(-4)}\\s+\\d{4}-\\d\\d-\\d\\dT`));
    assert.match(lines[3] ?? '', new RegExp(`^cli-b\\s+${PROVIDER}\\s+…${keys.b.slice(-4)}\\s+\\d{4}-\\d\\d-\\d\\dT`));
    assert.equal(lines[4], '(2 rows)');
    const json = await cli(['credentials', 'list', '--project', 'cli-b', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as Record<string, unknown>[];
    assert.equal(listed.length, 1);
    assert.deepEqual(Object.keys(listed[0] ?? {}).sort(), ['fingerprint', 'keyHint', 'projectName', 'providerName', 'updatedAt']);
    // The fingerprint hashes the stored envelope (ciphertext): 16 hex digits, nothing of the key.
    assert.match(String(listed[0]?.['fingerprint']), /^[0-9a-f]{16}$/);
    assert.deepEqual(
      { ...listed[0], updatedAt: undefined, fingerprint: undefined },
      { projectName: 'cli-b', providerName: PROVIDER, keyHint: `…${keys.b.slice(-4)}`, updatedAt: undefined, fingerprint: undefined },
    );
    assert.ok(!Number.isNaN(Date.parse(String(listed[0]?.['updatedAt']))));
  });

  it('bad payloads and arguments: a one-line error naming the field, exit code 1, nothing stored', async () => {
    const setC = ['credentials', 'set', '--project', 'cli-c', '--provider', PROVIDER];
    assertOneLineError(await cli([...setC, '--api-key-stdin'], { stdin: '\n' }), /^switchboard: Invalid credentials payload at api_key: must not be empty\./);
    assertOneLineError(
      await cli([...setC, '--json-stdin'], { stdin: JSON.stringify({ api_key: keys.bad, headers: { 'Bad Header': keys.bad } }) }),
      /^switchboard: Invalid credentials payload at headers\.Bad Header: must be a header name\./,
    );
    assertOneLineError(
      await cli([...setC, '--json-stdin'], { stdin: JSON.stringify({ api_key: keys.bad, base_url: `ftp://${keys.bad}` }) }),
      /^switchboard: Invalid credentials payload at base_url: /,
    );
    assertOneLineError(await cli([...setC, '--json-stdin'], { stdin: `{"api_key": "${keys.bad}"` }), /^switchboard: --json-stdin: stdin is not a JSON object\n$/);
    assertOneLineError(await cli([...setC, '--api-key', keys.bad, '--api-key-stdin']), /give exactly one of --api-key-stdin, --api-key <key> or --json-stdin/);
    assertOneLineError(await cli([...setC]), /give exactly one of/);
    assertOneLineError(await cli(['credentials', 'set', '--provider', PROVIDER, '--api-key', keys.bad]), /^switchboard: --project is required\n$/);
    assertOneLineError(await cli(['credentials', 'set', '--project', 'nope', '--provider', PROVIDER, '--api-key', keys.bad]), /no project named 'nope'/);
    assertOneLineError(await cli(['credentials', 'frobnicate']), /credentials needs 'set', 'list' or 'delete'/);
    assert.deepEqual(
      (await rows()).map((row) => [row.project, row.keyHint]),
      [
        ['cli-a', `…${keys.aReplaced.slice(-4)}`],
        ['cli-b', `…${keys.b.slice(-4)}`],
      ],
    );
  });

  it('delete removes the row; deleting again is a clear error', async () => {
    const run = await cli(['credentials', 'delete', '--project', 'cli-b', '--provider', PROVIDER]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Deleted the credential of project 'cli-b' for provider '${PROVIDER}'.\n`);
    assertOneLineError(
      await cli(['credentials', 'delete', '--project', 'cli-b', '--provider', PROVIDER]),
      new RegExp(`no stored credential for project 'cli-b' and provider '${PROVIDER}'`),
    );
    assert.deepEqual(
      (await rows()).map((row) => row.project),
      ['cli-a'],
    );
  });

  it('master-key rotate re-encrypts under the new key and reports the row count', async () => {
    const rotateEnv = env({ SWITCHBOARD_MASTER_KEY: masterB.base64, SWITCHBOARD_MASTER_KEYS_OLD: masterA.base64 });
    const setB = await cli(['credentials', 'set', '--project', 'cli-c', '--provider', PROVIDER, '--api-key', keys.b]);
    assert.equal(setB.code, 0, setB.stderr);
    const run = await cli(['master-key', 'rotate'], { env: rotateEnv });
    assert.equal(run.code, 0, run.stderr);
    const after = await rows();
    assert.deepEqual(
      after.map((row) => row.project),
      ['cli-a', 'cli-c'],
    );
    assert.equal(run.stdout, `Re-encrypted ${after.length} of ${after.length} credential row(s) under master key ${masterB.key.id}.\n`);
    for (const row of after) {
      assert.equal(envelopeKeyId(row.credentials), masterB.key.id);
      const payload = JSON.parse(openSecret(row.credentials, keyringOf(masterB.key), credentialAssociatedData(row.projectId, row.providerId))) as { api_key: string };
      assert.equal(payload.api_key, row.project === 'cli-a' ? keys.aReplaced : keys.b);
    }
    // A rotation to a new key without the one the rows are under: refused, naming what to add, nothing changed.
    const masterC = newMasterKey();
    assertOneLineError(
      await cli(['master-key', 'rotate'], { env: env({ SWITCHBOARD_MASTER_KEY: masterC.base64, SWITCHBOARD_MASTER_KEYS_OLD: masterA.base64 }) }),
      new RegExp(`^switchboard: credential was encrypted with master key id ${masterB.key.id}, which is not configured \\(configured: ${masterC.key.id}, ${masterA.key.id}\\); add that key to SWITCHBOARD_MASTER_KEYS_OLD\n$`),
    );
    assert.deepEqual(await rows(), after);
  });

  it('Postgres without SWITCHBOARD_MASTER_KEY refuses to store, with the clear message', { skip: skipWithoutPostgres() }, async () => {
    const before = await rows();
    const noKey = env({});
    const run = await cli(['credentials', 'set', '--project', 'cli-b', '--provider', PROVIDER, '--api-key', keys.bad], { env: noKey });
    assertOneLineError(
      run,
      /^switchboard: SWITCHBOARD_MASTER_KEY is not set: credentials cannot be stored or read against Postgres without it \(generate one with: openssl rand -base64 32\)\n$/,
    );
    assertOneLineError(await cli(['master-key', 'rotate'], { env: noKey }), /SWITCHBOARD_MASTER_KEY is not set/);
    assert.deepEqual(await rows(), before);
  });

  it('keys create prints its key once; no other output ever holds a secret', async () => {
    const created = await cli(['keys', 'create', '--project', 'cli-a', '--json']);
    assert.equal(created.code, 0, created.stderr);
    createdApiKey = (JSON.parse(created.stdout) as { key: string }).key;
    assert.match(createdApiKey, /^sb-[0-9A-Za-z]{12}-/);
    const listed = await cli(['keys', 'list', '--project', 'cli-a', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 1);
    const secrets = { ...keys, masterA: masterA.base64, masterB: masterB.base64, apiKey: createdApiKey };
    const leaks = outputs
      .filter((output) => output.run !== created)
      .map((output) => ({ argv: output.argv.join(' '), leaked: leakedSecrets(output.run.stdout + output.run.stderr, secrets) }))
      .filter((output) => output.leaked.length > 0);
    // --api-key puts the key on the command line, never in the output.
    assert.deepEqual(leaks, []);
    assert.ok(outputs.length >= 15, `swept ${outputs.length} outputs`);
    // Every run configured SWITCHBOARD_MASTER_KEY: no warning was ever printed.
    assert.deepEqual(
      outputs.filter((output) => output.run.stderr.startsWith('warning')).map((output) => output.argv.join(' ')),
      [],
    );
  });
});
