/**
 * `switchboard providers list`, `models list`, `projects create|list` and `keys create|list|revoke`,
 * in-process against one migrated database (data dir or Postgres) shared by the whole file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { selectActiveApiKeys } from '../../src/db/sql/access-rows.js';
import { ApiKeyIndex, type KeyOwner } from '../../src/registry/api-key-index.js';
import { lines, migratedTarget, runCli, withTargetDb, type CliResult, type CliTarget } from './cli-harness.js';

const ESCAPES = 'gpt-4o\x1b[1A\x1b[2K\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\u009b2J\u202e';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function assertOneLineError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 1, `expected exit 1, got ${result.code}; stdout: ${result.stdout}`);
  assert.equal(result.stdout, '');
  assert.equal(lines(result.stderr).length, 1, `stderr is not one line: ${JSON.stringify(result.stderr)}`);
  assert.match(result.stderr, /^switchboard: /);
  assert.match(result.stderr, pattern);
}

function assertOk(result: CliResult): void {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
}

/** Splits a formatTable() output into its header cells and row cells (columns are 2+ spaces apart). */
function parseTable(output: string): { header: string[]; rows: string[][]; count: string } {
  const [header, rule, ...rest] = lines(output);
  assert.match(rule ?? '', /^-+( {2}-+)*$/);
  const count = rest.pop() ?? '';
  assert.match(count, /^\(\d+ rows?\)$/);
  return { header: (header ?? '').split(/\s{2,}/), rows: rest.map((line) => line.split(/\s{2,}/)), count };
}

interface ProviderListing {
  name: string;
  class: string;
  status: string;
  reason: string | null;
}
interface ModelListing {
  name: string;
  provider: string;
  modelId: string;
  status: string;
  reason: string | null;
}

describe('switchboard providers, models, projects and keys', () => {
  let target: CliTarget;
  /** Keys created by the keys create test, used by the list/revoke test. */
  let acmeKeys: { id: string; key: string }[] = [];
  let betaKey: { id: string; key: string } | undefined;
  /** The catalog rows as stored, read directly in before(). */
  let providerRows: { name: string; provider_class: string }[] = [];
  let modelRows: { name: string; model_id: string; provider: string }[] = [];
  const run = (...args: string[]): Promise<CliResult> => runCli(args, { env: target.env });
  /** Authenticates keys the way the gateway does: an ApiKeyIndex over the active key rows. */
  const authenticate = async (...keys: string[]): Promise<(KeyOwner | undefined)[]> =>
    withTargetDb(target, async (db) => {
      const index = new ApiKeyIndex(await selectActiveApiKeys(db));
      return keys.map((key) => index.authenticate(key));
    });

  before(async () => {
    target = await migratedTarget();
    // Rows a user could break by hand: an unknown class, a non-object features value, a model of the broken provider.
    await withTargetDb(target, async (db) => {
      await db.exec(`
        insert into ai_providers (name, provider_class, api_base_url) values ('cli-broken', 'NoSuchProvider', 'http://127.0.0.1:9/v1');
        insert into ai_providers (name, provider_class, api_base_url, features)
          values ('cli-bad-features', 'CustomProvider', 'http://127.0.0.1:9/v1', '"fast"'::jsonb);
        insert into ai_models (name, provider_id, model_id) select 'cli-broken-model', id, 'm-1' from ai_providers where name = 'cli-broken';
      `);
      // A model id that would drive the operator's terminal: erase the line above, set the clipboard (OSC 52), reorder text.
      await db.query(`insert into ai_models (name, provider_id, model_id) select 'cli-escapes', id, $1 from ai_providers where name = 'openai'`, [ESCAPES]);
      providerRows = (await db.query<{ name: string; provider_class: string }>('select name, provider_class from ai_providers')).rows;
      modelRows = (
        await db.query<{ name: string; model_id: string; provider: string }>(
          'select m.name, m.model_id, p.name as provider from ai_models m join ai_providers p on p.id = m.provider_id',
        )
      ).rows;
    });
  });
  after(async () => {
    await target?.dispose();
  });

  test('providers list shows every provider row with its status; broken rows are unavailable with their reason', async () => {
    const json = await run('providers', 'list', '--json');
    assertOk(json);
    const providers = JSON.parse(json.stdout) as ProviderListing[];
    assert.deepEqual(providers.map((entry) => entry.name).sort(), providerRows.map((row) => row.name).sort());
    for (const row of providerRows) assert.equal(providers.find((entry) => entry.name === row.name)?.class, row.provider_class);

    const byName = new Map(providers.map((entry) => [entry.name, entry]));
    const broken = byName.get('cli-broken');
    assert.equal(broken?.status, 'unavailable');
    assert.match(broken?.reason ?? '', /unknown provider_class 'NoSuchProvider'/);
    const badFeatures = byName.get('cli-bad-features');
    assert.equal(badFeatures?.status, 'unavailable');
    assert.match(badFeatures?.reason ?? '', /features/);
    for (const entry of providers) {
      if (entry.name.startsWith('cli-')) continue;
      assert.equal(entry.status, 'available', `${entry.name}: ${entry.reason}`);
      assert.equal(entry.reason, null);
    }

    const table = await run('providers', 'list');
    assertOk(table);
    const { header, rows: cells, count } = parseTable(table.stdout);
    assert.deepEqual(header, ['name', 'class', 'baseUrl', 'envVars', 'builtin', 'status', 'reason']);
    assert.equal(count, `(${providers.length} rows)`);
    const brokenLine = table.stdout.split('\n').find((line) => line.startsWith('cli-broken '));
    assert.match(brokenLine ?? '', /NoSuchProvider .* unavailable {2}unknown provider_class 'NoSuchProvider'/);
    const openaiCells = cells.find((line) => line[0] === 'openai');
    assert.deepEqual(openaiCells?.slice(1, 2), ['OpenAIProvider']);
    assert.equal(openaiCells?.at(-1), 'available');
  });

  test('models list shows every model with its provider; a model of a broken provider is unavailable with the reason', async () => {
    const json = await run('models', 'list', '--json');
    assertOk(json);
    const models = JSON.parse(json.stdout) as ModelListing[];
    assert.ok(modelRows.length > 1);
    assert.deepEqual(
      models.map((entry) => [entry.name, entry.provider, entry.modelId]).sort(),
      modelRows.map((row) => [row.name, row.provider, row.model_id]).sort(),
    );
    const broken = models.find((entry) => entry.name === 'cli-broken-model');
    assert.equal(broken?.status, 'unavailable');
    assert.match(broken?.reason ?? '', /provider 'cli-broken' is unavailable: unknown provider_class 'NoSuchProvider'/);
    for (const entry of models) {
      if (entry.name !== 'cli-broken-model') assert.equal(entry.status, 'available', `${entry.name}: ${entry.reason}`);
    }

    const table = await run('models', 'list');
    assertOk(table);
    const { header, rows: cells, count } = parseTable(table.stdout);
    assert.deepEqual(header, ['name', 'provider', 'modelId', 'contextWindow', 'maxTokens', 'status', 'reason']);
    assert.equal(count, `(${models.length} rows)`);
    assert.deepEqual(
      cells.map((line) => line[0]).sort(),
      models.map((entry) => entry.name).sort(),
    );
    const brokenLine = table.stdout.split('\n').find((line) => line.startsWith('cli-broken-model '));
    assert.match(brokenLine ?? '', /unavailable {2}provider 'cli-broken' is unavailable/);

    // Row text reaches the terminal with its control characters made visible, in the table and in JSON alike.
    for (const output of [table.stdout, json.stdout]) {
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(output, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, 'no control character reaches the terminal');
      assert.ok(output.includes('gpt-4o\\u001b[1A\\u001b[2K\\u001b]52;c;'), 'made visible');
    }
    assert.equal(models.find((entry) => entry.name === 'cli-escapes')?.modelId, ESCAPES, 'the JSON still parses to the row as stored');
  });

  test('projects create and list (table and --json); a duplicate or invalid name is a clear one-line error', async () => {
    const created = await run('projects', 'create', 'acme');
    assertOk(created);
    const createdMatch = /^Created project 'acme' \(([0-9a-f-]{36})\)\.\n$/.exec(created.stdout);
    assert.ok(createdMatch, created.stdout);
    const createdJson = await run('projects', 'create', 'beta', '--json');
    assertOk(createdJson);
    const beta = JSON.parse(createdJson.stdout) as { id: string; name: string; createdAt: string };
    assert.equal(beta.name, 'beta');
    assert.match(beta.id, uuid);
    assert.ok(!Number.isNaN(Date.parse(beta.createdAt)));

    assertOneLineError(await run('projects', 'create', 'acme'), /^switchboard: a project named 'acme' already exists$/m);
    assertOneLineError(await run('projects', 'create', 'Not A Slug'), /invalid project name 'Not A Slug'/);
    assertOneLineError(await run('projects', 'create'), /projects create needs a name/);

    // Exactly the two projects created above: the failed calls added nothing.
    const stored = await withTargetDb(target, (db) => db.query<{ id: string; name: string }>('select id, name from projects order by name'));
    assert.deepEqual(stored.rows, [
      { id: createdMatch[1], name: 'acme' },
      { id: beta.id, name: 'beta' },
    ]);

    const listJson = await run('projects', 'list', '--json');
    assertOk(listJson);
    assert.deepEqual(
      (JSON.parse(listJson.stdout) as { id: string; name: string }[]).map(({ id, name }) => ({ id, name })),
      stored.rows,
    );
    const table = await run('projects', 'list');
    assertOk(table);
    const { header, rows } = parseTable(table.stdout);
    assert.deepEqual(header, ['name', 'id', 'createdAt']);
    assert.deepEqual(
      rows.map((line) => line.slice(0, 2)),
      stored.rows.map((row) => [row.name, row.id]),
    );

  });

  test('keys create prints the key once, and it authenticates for its project', async () => {
    const json = await run('keys', 'create', '--project', 'acme', '--name', 'ci', '--json');
    assertOk(json);
    const created = JSON.parse(json.stdout) as { id: string; key: string };
    assert.match(created.id, uuid);
    assert.match(created.key, /^sb-[0-9A-Za-z]{12}-/);

    const text = await run('keys', 'create', '--project', 'beta');
    assertOk(text);
    const match = /^Created API key ([0-9a-f-]{36}) for project 'beta'\. It is shown only once:\n\n {2}(\S+)\n/.exec(text.stdout);
    assert.ok(match, text.stdout);
    const [, textId, textKey] = match as unknown as [string, string, string];
    assert.equal(text.stdout.split(textKey).length - 1, 1, 'the key is printed exactly once');
    assert.notEqual(textKey, created.key);

    const second = await run('keys', 'create', '--project', 'acme', '--json');
    assertOk(second);
    const secondAcme = JSON.parse(second.stdout) as { id: string; key: string };
    acmeKeys = [created, secondAcme];
    betaKey = { id: textId, key: textKey };

    const owners = await authenticate(created.key, secondAcme.key, textKey, `${created.key.slice(0, -1)}x`);
    assert.deepEqual(
      owners.map((owner) => owner && { keyId: owner.keyId, projectName: owner.projectName }),
      [{ keyId: created.id, projectName: 'acme' }, { keyId: secondAcme.id, projectName: 'acme' }, { keyId: textId, projectName: 'beta' }, undefined],
    );

    assertOneLineError(await run('keys', 'create', '--project', 'nope'), /no project named 'nope'/);
    assertOneLineError(await run('keys', 'create'), /--project is required/);
  });

  test('keys list never shows a secret or a hash; keys revoke stops the key from authenticating', async () => {
    const [acmeKey, otherAcmeKey] = acmeKeys;
    assert.ok(acmeKey && otherAcmeKey && betaKey, 'needs the keys of the previous test');
    const created = [acmeKey, otherAcmeKey, betaKey];
    const listed = await run('keys', 'list', '--json');
    assertOk(listed);
    const keys = JSON.parse(listed.stdout) as { id: string; projectName: string; name: string | null; revokedAt: string | null }[];
    const stored = await withTargetDb(target, (db) =>
      db.query<{ id: string; key_hash: string; prefix: string; raw: string }>('select id, key_hash, prefix, row_to_json(k)::text as raw from api_keys k'),
    );
    // The database holds a hash and a lookup prefix, never the key or its secret part.
    for (const row of stored.rows) {
      for (const { key } of created) assert.equal(row.raw.includes(key.slice(16)), false, 'a key secret is stored');
    }
    assert.equal(keys.find((key) => key.id === acmeKey.id)?.name, 'ci');
    assert.deepEqual(keys.map((key) => key.id).sort(), stored.rows.map((row) => row.id).sort());
    assert.deepEqual(keys.map((key) => key.id).sort(), created.map((key) => key.id).sort());
    for (const key of keys) assert.deepEqual(Object.keys(key).sort(), ['createdAt', 'expiresAt', 'id', 'name', 'prefix', 'projectName', 'revokedAt']);
    const table = await run('keys', 'list');
    assertOk(table);
    assert.deepEqual(parseTable(table.stdout).header, ['id', 'projectName', 'name', 'prefix', 'createdAt', 'revokedAt']);
    for (const output of [listed.stdout, table.stdout]) {
      for (const row of stored.rows) {
        assert.ok(output.includes(row.id) && output.includes(row.prefix), `key ${row.id} missing from the list`);
        assert.equal(output.includes(row.key_hash), false, 'a key hash was printed');
      }
      for (const { key } of created) assert.equal(output.includes(key.slice(16, 40)), false, 'a key secret was printed');
    }

    const revoked = await run('keys', 'revoke', acmeKey.id);
    assertOk(revoked);
    assert.equal(revoked.stdout, `Revoked API key ${acmeKey.id}.\n`);
    const revokedJson = await run('keys', 'revoke', otherAcmeKey.id, '--json');
    assertOk(revokedJson);
    assert.deepEqual(JSON.parse(revokedJson.stdout), { id: otherAcmeKey.id, revoked: true });
    const [acmeAfter, otherAfter, betaAfter] = await authenticate(acmeKey.key, otherAcmeKey.key, betaKey.key);
    assert.equal(acmeAfter, undefined, 'a revoked key still authenticates');
    assert.equal(otherAfter, undefined, 'a revoked key still authenticates');
    assert.equal(betaAfter?.keyId, betaKey.id, 'revoking keys of acme affected the key of beta');

    const acmeList = JSON.parse((await run('keys', 'list', '--project', 'acme', '--json')).stdout) as { id: string; revokedAt: string | null }[];
    assert.deepEqual(acmeList.map((key) => key.id).sort(), [acmeKey.id, otherAcmeKey.id].sort());
    for (const key of acmeList) assert.ok(key.revokedAt !== null && !Number.isNaN(Date.parse(key.revokedAt)), `${key.id} not shown as revoked`);

    assertOneLineError(await run('keys', 'revoke', acmeKey.id), new RegExp(`no active API key with id ${acmeKey.id}`));
    assertOneLineError(await run('keys', 'revoke', 'not-an-id'), /keys revoke needs a key id/);
  });

  test('credentials list --json parses as JSON', async () => {
    const result = await run('credentials', 'list', '--json');
    assertOk(result);
    assert.deepEqual(JSON.parse(result.stdout), []);
  });
});
