// An embeddings call with more inputs than its vendor takes at once is split into batches sent at
// most four at a time, and answered as one call: the vectors in input order under indexes 0..N-1,
// the usage summed (estimated when a batch reports none), one ledger row, and a failing batch the
// whole call's error. Cohere takes 96 texts a call, Gemini 100 requests, OpenAI 2048 inputs, and a
// row's `config.max_batch_size` sets any class's (Hugging Face TEI takes 32 by default). Before,
// only Gemini and Cohere split (Gemini sent every batch at once, Cohere one after the other and
// summed a batch without usage as 0), and other classes sent everything in one call: the
// vendor's 400 (413 from TEI). Real gateway, the real openai SDK, the real database (PGlite, and
// Postgres when DATABASE_URL is set); the vendors are the strict mocks, and a TEI-like server here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { estimateTextTokens } from '../../src/usage/estimate-tokens.js';
import { startMockServer, sendJson, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { insertLibraryRows, LIBRARY_ENV, startVendorMocks, type VendorMocks } from '../library/library-harness.js';
import { createRoute } from '../routing/routing-harness.js';
import { insertTenant } from '../security/fixture.js';
import { ledgerRows, pricingJson, PRICES, type LedgerRow } from './ledger-harness.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';

const ADMIN_TOKEN = 'embed-split-admin-token-0123456789';
const TEI_BATCH = 32;

/** The mocks' vector of a text (8 dimensions), as float32 after the SDK's base64. */
function vectorOf(text: string): number[] {
  let sum = 0;
  for (let index = 0; index < text.length; index++) sum += text.charCodeAt(index);
  return Array.from({ length: 8 }, (_unused, index) => Math.fround(((sum + index) % 100) / 100));
}

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
const replaced = (input: string[], at: number, text: string) => input.map((value, index) => (index === at ? text : value));

/** Waits for `condition` (what another party does), failing after 10 s instead of hanging the suite. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 1000) assert.fail(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const texts = (count: number, label = 'passage') => Array.from({ length: count }, (_unused, index) => `${label} ${index} on topic ${index % 7}`);

/** A Hugging Face TEI-like server (`/v1/embeddings`, OpenAI's format): refuses more than 32 inputs or an empty one; never answers a batch holding a `hang …` text. */
async function startTei(): Promise<MockServer> {
  return startMockServer((request, response) => {
    assert.equal(request.url, '/v1/embeddings');
    const body = request.body as { model?: unknown; input?: unknown };
    const input = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
    // TEI's validation errors, as its OpenAI-compatible route answers them.
    if (input.length > TEI_BATCH) {
      return sendJson(response, 413, { message: `batch size ${input.length} > maximum allowed batch size ${TEI_BATCH}`, code: 413, type: 'validation' });
    }
    if (input.some((text) => text === '')) return sendJson(response, 413, { message: '`inputs` cannot be empty', code: 413, type: 'validation' });
    if (input.some((text) => text.startsWith('hang '))) return;
    const tokens = input.reduce((sum, text) => sum + words(text), 0);
    sendJson(response, 200, {
      object: 'list',
      data: input.map((text, index) => ({ object: 'embedding', index, embedding: vectorOf(text) })),
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });
}

describe('embeddings split into the vendor’s batches', () => {
  let db: TestDb;
  let mocks: VendorMocks;
  let tei: MockServer;
  let served: Served;
  let client: OpenAI;
  let sequence = 0;

  before(async () => {
    db = await createTestDb();
    [mocks, tei] = await Promise.all([startVendorMocks(), startTei()]);
    await insertLibraryRows(db, mocks);
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, config) values
         ('split-tei', 'CustomProvider', $1, '[]', '{"max_batch_size": 32}'),
         ('split-openai', 'OpenAIProvider', $2, '["LIB_OPENAI_API_KEY"]', '{"max_batch_size": 100}'),
         ('split-cohere-bad', 'CohereProvider', $3, '["LIB_COHERE_API_KEY"]', '{"max_batch_size": 0}')`,
      [`${tei.origin}/v1`, mocks.openai.baseUrl, mocks.cohere.baseUrl],
    );
    await db.query(
      `insert into public.ai_models (name, provider_id, model_id)
       select 'tei-embed', id, 'bge-small' from public.ai_providers where name = 'split-tei'
       union all select 'openai-100-embed', id, 'text-embedding-3-small' from public.ai_providers where name = 'split-openai'
       union all select 'cohere-bad-embed', id, 'embed-v4.0' from public.ai_providers where name = 'split-cohere-bad'`,
    );
    await db.query(`update public.ai_models set pricing = $1`, [pricingJson(PRICES)]);
    await createRoute(db, 'split-route', { 'lib-cohere-embed': [1, 0], 'tei-embed': [1, 1] });
    const tenant = await insertTenant(db, 'embed-split');
    served = await serveSwitchboard(db, { env: { ...LIBRARY_ENV }, adminToken: ADMIN_TOKEN, usage: { flushIntervalMs: 20 } });
    client = new OpenAI({ apiKey: tenant.apiKey, baseURL: `${served.origin}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await Promise.all([mocks?.close(), tei?.close()]);
  });

  async function rowsOf(requestId: string, count = 1): Promise<LedgerRow[]> {
    for (let tries = 0; tries < 200; tries += 1) {
      await served.switchboard.service.usage?.flush();
      const found = await ledgerRows(db, 'request_id = $1', [requestId]);
      if (found.length >= count) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ledger row for ${requestId}`);
  }

  /** Sends `input` through the SDK (base64 by default); the answer, its request id and its one ledger row. */
  async function embed(model: string, input: string[]) {
    const requestId = `embed-split-${++sequence}`;
    const answer = await client.embeddings.create({ model, input }, { headers: { 'x-request-id': requestId } });
    const rows = await rowsOf(requestId);
    assert.equal(rows.length, 1, 'one ledger row for the call');
    return { answer, row: rows[0]! };
  }

  /** The call fails with the SDK's APIError; its one ledger row. */
  async function failed(model: string, input: string[], signal?: AbortSignal): Promise<{ error: unknown; row: LedgerRow }> {
    const requestId = `embed-split-${++sequence}`;
    let error: unknown;
    await client.embeddings.create({ model, input }, { headers: { 'x-request-id': requestId }, signal }).then(
      () => assert.fail('the call succeeded'),
      (caught: unknown) => void (error = caught),
    );
    const rows = await rowsOf(requestId);
    assert.equal(rows.length, 1, 'one ledger row for the call');
    return { error, row: rows[0]! };
  }

  function assertVectors(answer: OpenAI.CreateEmbeddingResponse, input: string[]): void {
    assert.equal(answer.data.length, input.length);
    answer.data.forEach((item, position) => {
      assert.equal(item.index, position);
      assert.deepEqual(item.embedding, vectorOf(input[position]!), `vector ${position}`);
    });
  }

  /** Texts of each request a mock got since `from` (an embeddings body of any class). */
  function batchesOf(mock: { requests: { body: unknown }[] }, from: number): string[][] {
    return mock.requests.slice(from).map((request) => {
      const body = request.body as { input?: string[]; texts?: string[]; requests?: { content: { parts: { text: string }[] } }[] };
      return body.input ?? body.texts ?? (body.requests ?? []).map((entry) => entry.content.parts[0]?.text ?? '');
    });
  }

  const cases = [
    { name: 'Cohere (96 a call)', model: 'lib-cohere-embed', mock: () => mocks.cohere, sizes: [96, 96, 58], counted: true },
    { name: 'Gemini (100 a call)', model: 'lib-gemini-embed', mock: () => mocks.google, sizes: [100, 100, 50], counted: false },
    { name: 'OpenAI with max_batch_size 100', model: 'openai-100-embed', mock: () => mocks.openai, sizes: [100, 100, 50], counted: true },
    { name: 'TEI (CustomProvider, max_batch_size 32)', model: 'tei-embed', mock: () => tei, sizes: [32, 32, 32, 32, 32, 32, 32, 26], counted: true },
  ];

  for (const { name, model, mock, sizes, counted } of cases) {
    test(`${name}: 250 inputs in input order, the usage summed, one ledger row`, async () => {
      const input = texts(250);
      const from = mock().requests.length;
      const { answer, row } = await embed(model, input);
      assertVectors(answer, input);
      const batches = batchesOf(mock(), from);
      assert.deepEqual(batches.map((batch) => batch.length).sort((a, b) => b - a), sizes);
      assert.deepEqual(batches.flat().sort(), [...input].sort(), 'every input sent once');
      const tokens = counted ? input.reduce((sum, text) => sum + words(text), 0) : await estimateTextTokens(input);
      assert.equal(answer.usage.prompt_tokens, tokens);
      assert.deepEqual([row.status, row.usage_source, Number(row.input_tokens)], [200, counted ? 'provider' : 'estimated', tokens]);
      assert.ok(mock().load.peak <= 4, `at most 4 batches at once, saw ${mock().load.peak}`);
    });
  }

  /** A middle batch the vendor refuses: the call is that error, no vectors; its row charges the batches answered. */
  async function middleBatchFails(model: string, mock: () => { requests: { body: unknown }[] }, input: string[], refused: string, status: number) {
    const from = mock().requests.length;
    const { error, row } = await failed(model, input);
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, status);
    const batches = batchesOf(mock(), from);
    assert.ok(batches.length > 1, 'sent in batches');
    const answered = batches.filter((batch) => !batch.includes(refused));
    assert.equal(batches.length - answered.length, 1, 'the refused batch was sent once');
    const embedded = input.filter((text) => answered.some((batch) => batch.includes(text)));
    assert.deepEqual([row.status, row.usage_source, Number(row.input_tokens)], [status, 'estimated', await estimateTextTokens(embedded)]);
  }

  test('a failing middle batch fails the whole call (Gemini, OpenAI, TEI: an empty text; Cohere: its 400)', async () => {
    const input = texts(250, 'refused');
    await middleBatchFails('lib-gemini-embed', () => mocks.google, replaced(input, 150, ''), '', 400);
    await middleBatchFails('openai-100-embed', () => mocks.openai, replaced(input, 150, ''), '', 400);
    await middleBatchFails('tei-embed', () => tei, replaced(input, 100, ''), '', 413);
    mocks.cohere.failNextFor(input[150]!, { status: 400, body: { id: 'e1', message: 'invalid request: text 54 is too long.' } });
    await middleBatchFails('lib-cohere-embed', () => mocks.cohere, input, input[150]!, 400);
  });

  test('a batch without usage makes the whole call estimated, as a call without usage is', async () => {
    const input = texts(250, 'unmetered');
    const last = input.slice(192);
    const float = last.map(vectorOf);
    mocks.cohere.failNextFor(last[0]!, { status: 200, body: { id: 'e2', embeddings: { float }, texts: last, response_type: 'embeddings_by_type' } });
    const { answer, row } = await embed('lib-cohere-embed', input);
    assertVectors(answer, input);
    const estimate = await estimateTextTokens(input);
    assert.equal(answer.usage.prompt_tokens, estimate);
    assert.deepEqual([row.usage_source, Number(row.input_tokens)], ['estimated', estimate]);
  });

  test('the client going away cancels the batches in flight and sends no more', async () => {
    const input = texts(250, 'hang');
    const from = tei.requests.length;
    const controller = new AbortController();
    const call = failed('tei-embed', input, controller.signal);
    await until(() => tei.load.inFlight >= 4, 'four batches in flight');
    controller.abort();
    const { row } = await call;
    assert.equal(row.status, 499);
    await until(() => tei.requests.slice(from).every((request) => request.aborted), 'the batches in flight aborted');
    const sent = batchesOf(tei, from);
    assert.equal(sent.length, 4, 'four batches at once, none after the cut');
    // The vendor had the four batches in flight: they are charged, estimated.
    const had = input.filter((text) => sent.some((batch) => batch.includes(text)));
    assert.deepEqual([row.usage_source, Number(row.input_tokens)], ['estimated', await estimateTextTokens(had)]);
  });

  test('a batch the vendor refused is not charged when the client then goes away; those in flight are', async () => {
    // Batch 1 refused at once (an empty text: TEI's 413), batches 2-4 never answered; then the client leaves.
    const input = texts(250, 'hang').map((text, index) => (index === 0 ? '' : text));
    const from = tei.requests.length;
    const controller = new AbortController();
    const call = failed('tei-embed', input, controller.signal);
    const hanging = () => tei.requests.slice(from).filter((request) => !(request.body as { input: string[] }).input.includes(''));
    await until(() => tei.requests.length - from === 4 && hanging().length === 3, 'the refusal answered and three batches in flight');
    controller.abort();
    const { row } = await call;
    await until(() => hanging().every((request) => request.aborted), 'the batches in flight aborted');
    const had = input.filter((text) => hanging().some((request) => (request.body as { input: string[] }).input.includes(text)));
    assert.equal(had.length, 96);
    assert.deepEqual([row.usage_source, Number(row.input_tokens)], ['estimated', await estimateTextTokens(had)]);
  });

  test('a route falls back on the whole call when a batch of its primary fails', async () => {
    const input = texts(250, 'routed');
    mocks.cohere.failNextFor(input[100]!, { status: 500 });
    const requestId = `embed-split-${++sequence}`;
    const answer = await client.embeddings.create({ model: 'split-route', input }, { headers: { 'x-request-id': requestId } });
    assertVectors(answer, input);
    const rows = await rowsOf(requestId, 2);
    assert.deepEqual(rows.map((row) => [row.model_name, row.status]), [['lib-cohere-embed', 500], ['tei-embed', 200]]);
  });

  test('more than 2048 inputs are refused before any upstream call', async () => {
    const before = tei.requests.length;
    await assert.rejects(client.embeddings.create({ model: 'tei-embed', input: texts(2049) }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /at most 2048/);
      return true;
    });
    assert.equal(tei.requests.length, before);
  });

  test('the library splits past 2048 inputs for OpenAI', async () => {
    const input = texts(2100, 'library');
    const from = mocks.openai.requests.length;
    const response = await served.switchboard.embed({ model: 'lib-openai-embed', input });
    assert.equal(response.embeddings.length, 2100);
    assert.deepEqual(response.embeddings[2099]?.map(Math.fround), vectorOf(input[2099]!));
    assert.deepEqual(batchesOf(mocks.openai, from).map((batch) => batch.length).sort((a, b) => b - a), [2048, 52]);
  });

  test('a bad max_batch_size is a load error in the status; the row serves at its class limit', async () => {
    const status = await fetch(`${served.origin}/admin/v1/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { load_errors: errors } = (await status.json()) as { load_errors: { table: string; name: string; reason: string }[] };
    const error = errors.find((entry) => entry.name === 'split-cohere-bad');
    assert.equal(error?.table, 'ai_providers');
    assert.match(error?.reason ?? '', /config\.max_batch_size/);
    const input = texts(250, 'fallback');
    const from = mocks.cohere.requests.length;
    const { answer } = await embed('cohere-bad-embed', input);
    assertVectors(answer, input);
    assert.deepEqual(batchesOf(mocks.cohere, from).map((batch) => batch.length).sort((a, b) => b - a), [96, 96, 58]);
    // The admin API refuses it when written.
    const written = await fetch(`${served.origin}/admin/v1/providers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'split-admin', provider_class: 'CustomProvider', api_base_url: 'http://127.0.0.1:9/v1', config: { max_batch_size: '32' } }),
    });
    assert.equal(written.status, 400);
    assert.match(((await written.json()) as { error: { message: string } }).error.message, /max_batch_size/);
  });
});
