import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createEnvCredentialResolver } from '../credentials/env-credentials.js';
import { SwitchboardError } from '../errors.js';
import { builtinProviderClasses } from '../providers/builtin.js';
import { CohereProviderClass } from '../providers/cohere/index.js';
import { defaultProviderDeps } from '../providers/shared/provider-deps.js';
import { createTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { loadRegistry } from './provider-loader.js';
import type { ProviderRegistry } from './provider-registry.js';

const deps = defaultProviderDeps();
after(() => deps.dispatcher.close());

async function load(db: TestDb, warnings: string[] = []): Promise<ProviderRegistry> {
  return loadRegistry(db, 1, { classes: builtinProviderClasses, deps, warn: (message) => warnings.push(message) });
}

/** Every provider row name, and every model row with its provider's name, straight from the tables. */
async function rowsInDb(db: TestDb): Promise<{ providers: string[]; models: { name: string; provider: string; model_id: string }[] }> {
  const providers = await db.query<{ name: string }>('select name from public.ai_providers order by name');
  const models = await db.query<{ name: string; provider: string; model_id: string }>(
    `select m.name, p.name as provider, m.model_id from public.ai_models m join public.ai_providers p on p.id = m.provider_id order by m.name`,
  );
  return { providers: providers.rows.map((row) => row.name), models: models.rows };
}

function resolveError(registry: ProviderRegistry, name: string): SwitchboardError {
  try {
    registry.resolve(name);
  } catch (error) {
    assert.ok(SwitchboardError.isInstance(error), `resolve('${name}') threw a SwitchboardError`);
    return error;
  }
  assert.fail(`resolve('${name}') did not throw`);
}

describe("loader: the seeded rows, and the seed document's Cohere row", () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDb();
  });
  after(() => db.dispose());

  test('every seeded provider row loads as available and every seeded model resolves to its row', async () => {
    const warnings: string[] = [];
    const registry = await load(db, warnings);
    const { providers, models } = await rowsInDb(db);
    assert.ok(providers.length > 0 && models.length > 0, 'the seed inserted rows');
    assert.deepEqual([...registry.providers.keys()].sort(), providers);
    for (const name of providers) {
      const entry = registry.providers.get(name);
      assert.equal(entry?.status, 'available', `${name}: ${entry?.reason ?? ''}`);
      assert.equal(entry.provider?.name, name);
    }
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      registry.availableModels().map((model) => model.name).sort(),
      models.map((model) => model.name),
    );
    for (const row of models) {
      const resolved = registry.resolve(row.name);
      assert.equal(resolved.provider.name, row.provider);
      assert.equal(resolved.model.modelId, row.model_id);
      assert.equal(resolved.provider.provider, registry.providers.get(row.provider)?.provider);
    }
  });

  test('model features and pricing override their provider row', async () => {
    const row = await db.query<{ name: string; features: Record<string, boolean>; provider_features: Record<string, boolean>; pricing: unknown }>(
      `select m.name, m.features, p.features as provider_features, m.pricing
         from public.ai_models m join public.ai_providers p on p.id = m.provider_id
        where (m.features ->> 'embeddings')::boolean is distinct from (p.features ->> 'embeddings')::boolean
        order by m.name limit 1`,
    );
    const seeded = row.rows[0];
    assert.ok(seeded, 'the seed has a model whose embeddings flag differs from its provider');
    const model = (await load(db)).models.get(seeded.name);
    assert.ok(model);
    assert.equal(model.features.embeddings, seeded.features['embeddings']);
    assert.notEqual(model.features.embeddings, seeded.provider_features['embeddings']);
    assert.deepEqual(model.pricing, seeded.pricing);
  });

  test("the seed document's Cohere row (provider_class only) loads with the class defaults; its model resolves and takes its key from COHERE_API_KEY", async () => {
    // The seed document's "Method 2" statements, verbatim apart from the model row.
    await db.exec(`INSERT INTO ai_providers (
  name,
  display_name,
  provider_class,
  is_builtin
) VALUES (
  'cohere',
  'Cohere',
  'CohereProvider',
  true
);
INSERT INTO ai_models (name, display_name, provider_id, model_id, is_active)
VALUES ('command-a', 'Command A', (SELECT id FROM ai_providers WHERE name = 'cohere'), 'command-a-03-2025', true);`);
    const registry = await load(db);
    const cohere = registry.providers.get('cohere');
    const defaults = CohereProviderClass.defaults;
    assert.equal(cohere?.status, 'available', cohere?.reason);
    assert.equal(cohere.className, 'CohereProvider');
    assert.equal(cohere.displayName, 'Cohere');
    assert.equal(cohere.baseUrl, defaults.baseUrl);
    assert.deepEqual(cohere.requiredEnvVars, defaults.requiredEnvVars);
    assert.deepEqual(cohere.features, defaults.features);
    const resolved = registry.resolve('command-a');
    assert.equal(resolved.provider.name, 'cohere');
    assert.equal(resolved.model.modelId, 'command-a-03-2025');
    assert.deepEqual(resolved.model.features, defaults.features);

    const envVar = defaults.requiredEnvVars?.[0];
    assert.ok(envVar);
    assert.throws(
      () => createEnvCredentialResolver({}).resolve(undefined, resolved.provider),
      (error: unknown) => SwitchboardError.isInstance(error) && error.code === 'credential_missing' && error.message.includes(envVar),
    );
    assert.deepEqual(await createEnvCredentialResolver({ [envVar]: 'co-key' }).resolve(undefined, resolved.provider), { apiKey: 'co-key' });
  });
});

describe('loader: rows that cannot load are reported and isolated', () => {
  let db: TestDb;
  let registry: ProviderRegistry;
  const warnings: string[] = [];

  before(async () => {
    db = await createTestDb();
    await db.exec(`
      insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values
        ('bad-class', 'NoSuchProvider', 'http://127.0.0.1:9/v1', '["BAD_KEY"]');
      insert into public.ai_providers (name, provider_class, api_base_url, features) values
        ('bad-features-string', 'CustomProvider', 'http://127.0.0.1:9/v1', '"yes"'),
        ('bad-features-value', 'CustomProvider', 'http://127.0.0.1:9/v1', '{"streaming": "maybe"}');
      insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values
        ('bad-env-vars', 'CustomProvider', 'http://127.0.0.1:9/v1', '["NOT A VAR NAME"]');
      insert into public.ai_providers (name, display_name, provider_class, required_env_vars) values
        ('custom-no-url', 'No URL', 'CustomProvider', '["NO_URL_KEY"]');
      insert into public.ai_providers (name, provider_class, api_base_url, request_template) values
        ('custom-bad-template', 'CustomProvider', 'http://127.0.0.1:9/v1',
         '{"body": {"inputs": "{{prompt}}", "extra": "{{not_a_placeholder}}"}, "response": {"text": "output.text"}}');
      insert into public.ai_models (name, provider_id, model_id)
        select 'model-of-' || name, id, 'm-1' from public.ai_providers where name like 'bad-%' or name like 'custom-%';
      insert into public.ai_models (name, provider_id, model_id, features)
        select 'model-bad-features', id, 'gpt-4o-mini', '{"tools": 1}' from public.ai_providers where name = 'openai';
    `);
    registry = await load(db, warnings);
  });
  after(() => db.dispose());

  const expected: [string, RegExp][] = [
    ['bad-class', /unknown provider_class 'NoSuchProvider' \(known: .*CustomProvider.*OpenAIProvider/],
    ['bad-features-string', /^invalid features: /],
    ['bad-features-value', /^invalid features\.streaming: /],
    ['bad-env-vars', /^invalid required_env_vars\.0: must be an env var name/],
    ['custom-no-url', /api_base_url is not set/],
    ['custom-bad-template', /request_template\.body\.extra: unknown placeholder \{\{not_a_placeholder\}\}/],
  ];

  for (const [name, reason] of expected) {
    test(`${name} is unavailable with its reason, and so is its model`, () => {
      const entry = registry.providers.get(name);
      assert.equal(entry?.status, 'unavailable');
      assert.match(entry.reason ?? '', reason);
      assert.equal(entry.provider, undefined);
      assert.ok(warnings.includes(`provider '${name}' is unavailable: ${entry.reason}`), `a warning names ${name} and its reason`);
      const model = registry.models.get(`model-of-${name}`);
      assert.equal(model?.status, 'unavailable');
      assert.ok(model.reason?.includes(`provider '${name}' is unavailable`));
      const error = resolveError(registry, `model-of-${name}`);
      assert.equal(error.code, 'provider_unavailable');
      assert.equal(error.status, 503);
      assert.ok(error.message.includes(`'model-of-${name}'`) && error.message.includes(entry.reason ?? '?'), error.message);
      assert.ok(!registry.availableModels().some((available) => available.name === model.name));
    });
  }

  test('a model row with invalid features is unavailable while its provider keeps serving', () => {
    const model = registry.models.get('model-bad-features');
    assert.equal(model?.status, 'unavailable');
    assert.match(model.reason ?? '', /^invalid features\.tools: /);
    assert.equal(resolveError(registry, 'model-bad-features').code, 'provider_unavailable');
    assert.ok(warnings.some((line) => line.startsWith(`model 'model-bad-features' is unavailable: invalid features.tools`)));
  });

  test('every other row keeps working', async () => {
    const { providers, models } = await rowsInDb(db);
    const broken = new Set(expected.map(([name]) => name));
    for (const name of providers.filter((provider) => !broken.has(provider))) {
      assert.equal(registry.providers.get(name)?.status, 'available', name);
    }
    const healthy = models.filter((model) => !broken.has(model.provider) && model.name !== 'model-bad-features');
    assert.ok(healthy.length > 0);
    for (const model of healthy) assert.equal(registry.resolve(model.name).model.modelId, model.model_id);
    // One line per broken provider, one per model it took down, and the broken model row.
    assert.equal(warnings.length, expected.length * 2 + 1, warnings.join('\n'));
  });
});

describe('loader: nothing is hard-coded', () => {
  let db: TestDb;
  let openaiModels: string[];
  let otherModels: string[];

  before(async () => {
    db = await createTestDb();
    const { models } = await rowsInDb(db);
    openaiModels = models.filter((model) => model.provider === 'openai').map((model) => model.name);
    otherModels = models.filter((model) => model.provider !== 'openai').map((model) => model.name);
    assert.ok(openaiModels.length > 0 && otherModels.length > 0, 'the seed has openai and other models');
  });
  after(() => db.dispose());

  function assertOpenAIGone(registry: ProviderRegistry): void {
    for (const name of openaiModels) {
      const error = resolveError(registry, name);
      assert.equal(error.code, 'no_such_model', name);
      assert.match(error.message, /GET \/v1\/models|models list/);
    }
    const available = new Set(registry.availableModels().map((model) => model.name));
    assert.ok(openaiModels.every((name) => !available.has(name)));
    for (const name of otherModels) assert.ok(registry.resolve(name).provider.name !== 'openai', name);
  }

  test('is_active = false on the openai row makes its models unresolvable; true brings them back', async () => {
    await db.query(`update public.ai_providers set is_active = false where name = 'openai'`);
    const inactive = await load(db);
    assert.equal(inactive.providers.get('openai')?.status, 'inactive');
    assert.equal(inactive.providers.get('openai')?.provider, undefined);
    assertOpenAIGone(inactive);

    await db.query(`update public.ai_providers set is_active = true where name = 'openai'`);
    const active = await load(db);
    for (const name of openaiModels) assert.equal(active.resolve(name).provider.name, 'openai');
  });

  test('an inactive model row is unresolvable while its provider serves the others', async () => {
    const [first, second] = openaiModels;
    assert.ok(first !== undefined && second !== undefined);
    await db.query('update public.ai_models set is_active = false where name = $1', [first]);
    const registry = await load(db);
    assert.equal(resolveError(registry, first).code, 'no_such_model');
    assert.equal(registry.resolve(second).provider.name, 'openai');
    await db.query('update public.ai_models set is_active = true where name = $1', [first]);
  });

  test('deleting the openai row (its models first: the foreign key restricts) removes openai entirely', async () => {
    await assert.rejects(db.query(`delete from public.ai_providers where name = 'openai'`), (error: unknown) => {
      assert.ok(SwitchboardError.isInstance(error));
      return true;
    });
    await db.query(`delete from public.ai_models where provider_id = (select id from public.ai_providers where name = 'openai')`);
    await db.query(`delete from public.ai_providers where name = 'openai'`);
    const registry = await load(db);
    assert.equal(registry.providers.has('openai'), false);
    assertOpenAIGone(registry);
    assert.equal(resolveError(registry, 'never-heard-of-it').code, 'no_such_model');
  });
});
