import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrationsDirectory } from '../../src/db/migrate.js';
import { listModels } from '../../src/db/sql/models.js';
import { createProject, findProjectByName, listProjects } from '../../src/db/sql/projects.js';
import { selectProviderRows } from '../../src/db/sql/registry-rows.js';
import { parsePricing } from '../../src/registry/parse-prices.js';
import { DatabaseError } from '../../src/errors.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

// The three statements of the seed document (shared/seed/database-driven-ai-system.md), verbatim.
const seedMethod1 = `INSERT INTO ai_providers (
  name,
  display_name,
  provider_class,
  api_base_url,
  required_env_vars
) VALUES (
  'local-llm',
  'Local LLM Server',
  'CustomProvider',
  'http://localhost:8080/v1',
  '["LOCAL_LLM_API_KEY"]'::jsonb
);`;

const seedMethod2 = `INSERT INTO ai_providers (
  name,
  display_name,
  provider_class,
  is_builtin
) VALUES (
  'cohere',
  'Cohere',
  'CohereProvider',
  true
);`;

const seedAddingModels = `INSERT INTO ai_models (
  name,
  display_name,
  provider_id,
  model_id,
  is_active
) VALUES (
  'mixtral-8x7b',
  'Mixtral 8x7B',
  (SELECT id FROM ai_providers WHERE name = 'together'),
  'mistralai/Mixtral-8x7B-Instruct-v0.1',
  true
);`;

const builtinProviders = [
  'anthropic', 'deepseek', 'fireworks', 'google', 'groq', 'mistral', 'ollama', 'openai', 'openrouter', 'perplexity', 'together', 'xai',
];

/** The seed migrations (providers, models), concatenated in order. */
async function seedSql(): Promise<string> {
  const dir = migrationsDirectory();
  const names = (await readdir(dir)).filter((file) => /_seed_[a-z_]+\.sql$/.test(file)).sort();
  assert.ok(names.length > 0, 'seed migrations exist');
  const files = await Promise.all(names.map((name) => readFile(path.join(dir, name), 'utf8')));
  return files.join('\n');
}

describe('schema and seeded rows', () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDb();
  });
  after(() => db.dispose());

  test('the built-in providers are seeded (no cohere, no local-llm)', async () => {
    const providers = await selectProviderRows(db);
    assert.deepEqual(providers.map((provider) => provider.name), builtinProviders);
    assert.ok(providers.every((provider) => provider.isBuiltin && provider.isActive));
    const byName = new Map(providers.map((provider) => [provider.name, provider]));
    assert.equal(byName.get('openai')?.providerClass, 'OpenAIProvider');
    assert.equal(byName.get('anthropic')?.providerClass, 'AnthropicProvider');
    assert.equal(byName.get('google')?.apiBaseUrl, 'https://generativelanguage.googleapis.com/v1beta');
    assert.deepEqual(byName.get('groq')?.requiredEnvVars, ['GROQ_API_KEY']);
    assert.deepEqual(byName.get('ollama')?.requiredEnvVars, []);
    assert.equal(byName.get('together')?.providerClass, 'CustomProvider');
    assert.deepEqual(byName.get('openai')?.features, { streaming: true, tools: true, vision: true, json_mode: true, embeddings: true });

    const auth = await db.query<{ name: string; auth_header_name: string; auth_header_prefix: string; config: unknown }>(
      `select name, auth_header_name, auth_header_prefix, config from public.ai_providers where name in ('openai', 'anthropic', 'google') order by name`,
    );
    assert.deepEqual(auth.rows, [
      { name: 'anthropic', auth_header_name: 'x-api-key', auth_header_prefix: '', config: { anthropic_version: '2023-06-01' } },
      { name: 'google', auth_header_name: 'x-goog-api-key', auth_header_prefix: '', config: {} },
      { name: 'openai', auth_header_name: 'Authorization', auth_header_prefix: 'Bearer', config: {} },
    ]);
  });

  test('a dozen-plus models with limits and pricing', async () => {
    const models = await listModels(db);
    assert.ok(models.length >= 12, `${models.length} models`);
    const byName = new Map(models.map((model) => [model.name, model]));
    for (const name of ['gpt-4o-mini', 'gpt-5', 'text-embedding-3-small', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'gemini-2.5-flash', 'gemini-embedding-001']) {
      assert.ok(byName.has(name), name);
    }
    const mini = byName.get('gpt-4o-mini');
    assert.equal(mini?.providerName, 'openai');
    assert.equal(mini?.contextWindow, 128000);
    assert.deepEqual(mini?.pricing, { input_per_mtok: 0.15, output_per_mtok: 0.6, cached_input_per_mtok: 0.075 });
    assert.equal(byName.get('claude-haiku-4-5')?.providerName, 'anthropic');
    assert.equal(byName.get('gemini-2.5-pro')?.contextWindow, 1048576);
    assert.equal(byName.get('text-embedding-3-small')?.maxTokens, null);
    assert.deepEqual(byName.get('text-embedding-3-small')?.features, { streaming: false, tools: false, vision: false, json_mode: false, embeddings: true });
    const reasoning = (name: string): unknown => (byName.get(name)?.features as Record<string, unknown> | undefined)?.['reasoning'];
    assert.equal(reasoning('gpt-5'), true, 'the seeded GPT-5 rows reason');
    assert.equal(reasoning('gpt-5-mini'), true);
    assert.equal(reasoning('gpt-4o'), undefined);
    assert.deepEqual(byName.get('gemini-2.5-pro')?.pricing, {
      input_per_mtok: 1.25, output_per_mtok: 10, cached_input_per_mtok: 0.125,
      tiers: [{ above_input_tokens: 200000, input_per_mtok: 2.5, output_per_mtok: 15, cached_input_per_mtok: 0.25 }],
    }, 'Gemini 2.5 Pro carries its long-prompt tier');
    const tier = parsePricing(byName.get('gemini-2.5-pro')?.pricing);
    assert.equal(tier.invalid, undefined);
    assert.deepEqual(tier.prices.tiers, [{ aboveInputTokens: 200000, prices: { input_per_mtok: 2_500_000n, output_per_mtok: 15_000_000n, cached_input_per_mtok: 250_000n } }]);
    for (const model of models) {
      const pricing = model.pricing as Record<string, unknown>;
      assert.equal(typeof pricing.input_per_mtok, 'number', model.name);
    }
  });

  test('re-running the seed keeps user edits and restores nothing it should not', async () => {
    await db.query(`update public.ai_providers set api_base_url = 'https://proxy.example/v1', features = '{"streaming": false}' where name = 'openai'`);
    await db.query(`update public.ai_models set pricing = '{"input_per_mtok": 1}' where name = 'gpt-4o'`);
    const before = await db.query<{ n: string }>('select count(*) as n from public.ai_models');
    await db.transaction((tx) => seedSql().then((sql) => tx.exec(sql)));
    const openai = await db.query<{ api_base_url: string; features: unknown }>(`select api_base_url, features from public.ai_providers where name = 'openai'`);
    assert.deepEqual(openai.rows, [{ api_base_url: 'https://proxy.example/v1', features: { streaming: false } }]);
    const model = await db.query<{ pricing: unknown }>(`select pricing from public.ai_models where name = 'gpt-4o'`);
    assert.deepEqual(model.rows, [{ pricing: { input_per_mtok: 1 } }]);
    assert.deepEqual((await db.query<{ n: string }>('select count(*) as n from public.ai_models')).rows, before.rows);
  });

  test('the Gemini 2.5 Pro tier migration changes only a row still priced as seeded, once', async () => {
    const tierSql = await readFile(path.join(migrationsDirectory(), '20261208100000_seed_gemini_pro_tiers.sql'), 'utf8');
    const pricing = async (): Promise<unknown> =>
      (await db.query<{ pricing: unknown }>(`select pricing from public.ai_models where name = 'gemini-2.5-pro'`)).rows[0]?.pricing;
    const history = async (): Promise<number> =>
      Number((await db.query<{ n: string }>(
        `select count(*) as n from public.ai_price_history h join public.ai_models m on m.id = h.model_id where m.name = 'gemini-2.5-pro'`,
      )).rows[0]?.n);
    const seeded = { input_per_mtok: 1.25, output_per_mtok: 10.0, cached_input_per_mtok: 0.125 };
    await db.query(`update public.ai_models set pricing = $1 where name = 'gemini-2.5-pro'`, [JSON.stringify({ ...seeded, input_per_mtok: 1.1 })]);
    await db.exec(tierSql);
    assert.deepEqual(await pricing(), { ...seeded, input_per_mtok: 1.1 }, "an operator's prices stay");
    await db.query(`update public.ai_models set pricing = $1 where name = 'gemini-2.5-pro'`, [JSON.stringify(seeded)]);
    const before = await history();
    await db.exec(tierSql);
    await db.exec(tierSql);
    const tiered = await pricing();
    assert.deepEqual((tiered as { tiers?: unknown[] }).tiers?.length, 1, 'run twice, one tier');
    assert.equal(await history(), before + 1, 'one new price-history row, effective from now');
  });

  test("the seed document's three SQL statements run verbatim", async () => {
    await db.exec(seedMethod1);
    await db.exec(seedMethod2);
    await db.exec(seedAddingModels);
    const providers = await db.query(
      `select name, display_name, provider_class, api_base_url, required_env_vars, features, pricing, config, is_builtin, is_active
         from public.ai_providers where name in ('local-llm', 'cohere') order by name`,
    );
    assert.deepEqual(providers.rows, [
      { name: 'cohere', display_name: 'Cohere', provider_class: 'CohereProvider', api_base_url: null, required_env_vars: [], features: {}, pricing: {}, config: {}, is_builtin: true, is_active: true },
      {
        name: 'local-llm', display_name: 'Local LLM Server', provider_class: 'CustomProvider', api_base_url: 'http://localhost:8080/v1',
        required_env_vars: ['LOCAL_LLM_API_KEY'], features: {}, pricing: {}, config: {}, is_builtin: false, is_active: true,
      },
    ]);
    const mixtral = (await listModels(db)).find((model) => model.name === 'mixtral-8x7b');
    assert.equal(mixtral?.providerName, 'together');
    assert.equal(mixtral?.modelId, 'mistralai/Mixtral-8x7B-Instruct-v0.1');
    assert.equal(mixtral?.isActive, true);
  });

  test('checks keep bad rows out where the schema promises it', async () => {
    const rejects = async (sql: string, code: string) => {
      const error = await db.query(sql).catch((caught: unknown) => caught);
      assert.ok(error instanceof DatabaseError, sql);
      assert.equal(error.code, code, sql);
    };
    await rejects(`insert into public.ai_providers (name, provider_class, required_env_vars) values ('bad-env', 'CustomProvider', '"X"')`, 'invalid_request');
    await rejects(`insert into public.ai_providers (name, provider_class, required_env_vars) values ('bad-env', 'CustomProvider', '["X", 1]')`, 'invalid_request');
    await rejects(`insert into public.ai_providers (name, provider_class) values ('Bad Name', 'CustomProvider')`, 'invalid_request');
    await rejects(`insert into public.ai_models (name, provider_id, model_id, context_window) select 'm-zero', id, 'm', 0 from public.ai_providers where name = 'openai'`, 'invalid_request');
    await rejects(`delete from public.ai_providers where name = 'openai'`, 'conflict');
    // jsonb contents are not checked: the loader reports and isolates a bad value.
    await db.query(`insert into public.ai_providers (name, provider_class, features, pricing, config) values ('odd-json', 'CustomProvider', '[1]', '"cheap"', 'null')`);
    const project = await createProject(db, 'tenant-one');
    await rejects(
      `insert into public.ai_provider_credentials (project_id, provider_id, credentials) select '${project.id}', id, 'sk-plaintext-key' from public.ai_providers where name = 'openai'`,
      'invalid_request',
    );
    await db.query(
      `insert into public.ai_provider_credentials (project_id, provider_id, credentials, key_hint) select $1, id, 'v1:k1:QUJD-_x', 'abcd' from public.ai_providers where name = 'openai'`,
      [project.id],
    );
  });

  test('updated_at moves on update', async () => {
    const before = await db.query<{ updated_at: Date }>(`select updated_at from public.ai_providers where name = 'groq'`);
    await db.query(`update public.ai_providers set display_name = 'Groq!' where name = 'groq'`);
    const after = await db.query<{ updated_at: Date }>(`select updated_at from public.ai_providers where name = 'groq'`);
    assert.ok((after.rows[0]?.updated_at.getTime() ?? 0) > (before.rows[0]?.updated_at.getTime() ?? 0));
  });

  test('projects: create, list, find, and a duplicate name is a conflict', async () => {
    const created = await createProject(db, 'acme');
    assert.equal(created.name, 'acme');
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.ok(created.createdAt instanceof Date);
    assert.deepEqual(await findProjectByName(db, 'acme'), created);
    assert.equal(await findProjectByName(db, 'nobody'), undefined);
    assert.ok((await listProjects(db)).some((project) => project.id === created.id));
    await assert.rejects(createProject(db, 'acme'), (error) => error instanceof DatabaseError && error.code === 'conflict');
  });

  test('row-level security is enabled on the tenant tables', async () => {
    const { rows } = await db.query<{ relname: string; relrowsecurity: boolean }>(
      `select relname, relrowsecurity from pg_class where relnamespace = 'public'::regnamespace
          and relname in ('projects', 'api_keys', 'ai_provider_credentials') order by relname`,
    );
    assert.deepEqual(rows, [
      { relname: 'ai_provider_credentials', relrowsecurity: true },
      { relname: 'api_keys', relrowsecurity: true },
      { relname: 'projects', relrowsecurity: true },
    ]);
  });
});
