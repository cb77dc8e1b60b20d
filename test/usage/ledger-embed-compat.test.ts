// Embeddings through OpenAI-compatible servers that are not OpenAI (a CustomProvider row pointed at
// them): each mock answers /v1/embeddings strictly in its server's own format, the client is the
// real openai SDK (which asks base64 by default and decodes it), and the ledger row is read back
// from the real database: PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { ledgerRows, pricingJson, PRICES, type LedgerRow } from './ledger-harness.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { createRoute } from '../routing/routing-harness.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';

const MODEL = 'compat-embed';
const FALLBACK = 'compat-embed-fallback';
const ROUTE = 'compat-embed-route';
const VECTORS = [
  [0.25, -0.5, 0.125],
  [1.5, 0.75, -2],
];

/** The next answer of the mock, as a function of the request body it got. */
type Answer = (body: { model: string; input: string[]; encoding_format?: string }) => { status?: number; json: unknown };

describe('embeddings through OpenAI-compatible servers', () => {
  let db: TestDb;
  let vendor: MockServer;
  let served: Served;
  let tenant: Tenant;
  let client: OpenAI;
  let answer: Answer = () => ({ json: {} });

  before(async () => {
    vendor = await startMockServer((request, response) => {
      assert.equal(request.url, '/v1/embeddings');
      const { status = 200, json } = answer(request.body as Parameters<Answer>[0]);
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(json));
    });
    db = await createTestDb();
    await db.query(`insert into public.ai_providers (name, provider_class, api_base_url) values ('compat-embed', 'CustomProvider', $1)`, [
      `${vendor.origin}/v1`,
    ]);
    for (const [name, modelId] of [[MODEL, 'bge-small'], [FALLBACK, 'bge-base']] as const) {
      await db.query(
        `insert into public.ai_models (name, provider_id, model_id, pricing)
         select $1, id, $2, $3::jsonb from public.ai_providers where name = 'compat-embed'`,
        [name, modelId, JSON.stringify(pricingJson(PRICES))],
      );
    }
    // Default accepts: a target's failure (or empty answer) goes to the next one.
    await createRoute(db, ROUTE, { [MODEL]: [1, 0], [FALLBACK]: [1, 1] });
    tenant = await insertTenant(db, 'embed-compat');
    served = await serveSwitchboard(db, { usage: { flushIntervalMs: 20 } });
    client = new OpenAI({ apiKey: tenant.apiKey, baseURL: `${served.origin}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await vendor?.close();
  });

  async function rowOf(requestId: string | null | undefined): Promise<LedgerRow> {
    for (let tries = 0; tries < 100; tries += 1) {
      await served.switchboard.service.usage?.flush();
      const found = await ledgerRows(db, 'request_id = $1', [requestId ?? '']);
      if (found[0] !== undefined) return found[0];
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ledger row for ${requestId}`);
  }

  /** Both SDK forms (base64 by default, then float): the vectors in input order, and the ledger row of each. */
  async function embedBoth(): Promise<LedgerRow[]> {
    const rows: LedgerRow[] = [];
    for (const encoding of [undefined, 'float'] as const) {
      const { data, response } = await client.embeddings
        .create({ model: MODEL, input: ['first', 'second'], ...(encoding ? { encoding_format: encoding } : {}) })
        .withResponse();
      assert.deepEqual(
        data.data.map((item) => [item.index, item.embedding]),
        VECTORS.map((vector, index) => [index, vector]),
        `encoding ${encoding ?? 'default'}`,
      );
      rows.push(await rowOf(response.headers.get('x-request-id')));
    }
    return rows;
  }

  const tokens = (row: LedgerRow) => [row.status, row.usage_source, row.input_tokens];

  test('usage with total_tokens only (Voyage, Jina style): the vendor count is the ledger count, not an estimate', async () => {
    answer = () => ({
      json: { object: 'list', data: VECTORS.map((embedding, index) => ({ object: 'embedding', embedding, index })), model: 'bge-small', usage: { total_tokens: 7 } },
    });
    for (const row of await embedBoth()) assert.deepEqual(tokens(row), [200, 'provider', '7']);
  });

  test('a zero prompt_tokens beside total_tokens (LM Studio style): total_tokens is the input count', async () => {
    answer = () => ({
      json: { object: 'list', data: VECTORS.map((embedding, index) => ({ object: 'embedding', embedding, index })), model: 'bge-small', usage: { prompt_tokens: 0, total_tokens: 5 } },
    });
    for (const row of await embedBoth()) assert.deepEqual(tokens(row), [200, 'provider', '5']);
  });

  for (const [label, indexes] of [
    ['every vector tagged index 0 (ik_llama.cpp)', [0, 0]],
    ['indexes numbered across a merged batch (Xinference under load)', [3, 4]],
  ] as const) {
    test(`vectors in input order whose indexes carry no order, ${label}: read in wire order, not a 502`, async () => {
      answer = () => ({
        json: { object: 'list', data: VECTORS.map((embedding, position) => ({ object: 'embedding', embedding, index: indexes[position] })), model: 'bge-small', usage: { prompt_tokens: 6, total_tokens: 6 } },
      });
      for (const row of await embedBoth()) assert.deepEqual(tokens(row), [200, 'provider', '6']);
    });
  }

  test('data out of input order, no object, no model, usage null (llama.cpp, LM Studio style): vectors by index, usage estimated', async () => {
    answer = () => ({ json: { data: [{ embedding: VECTORS[1], index: 1 }, { embedding: VECTORS[0], index: 0 }], usage: null } });
    for (const row of await embedBoth()) {
      assert.deepEqual([row.status, row.usage_source], [200, 'estimated']);
      assert.ok(Number(row.input_tokens) > 0, row.input_tokens);
    }
  });

  test('a server that answers base64 although floats were asked (TEI, vLLM after a proxy): decoded', async () => {
    answer = (body) => {
      assert.equal(body.encoding_format, 'float', 'the gateway asks floats');
      const base64 = (vector: number[]) => Buffer.from(new Float32Array(vector).buffer).toString('base64');
      return { json: { object: 'list', data: VECTORS.map((vector, index) => ({ object: 'embedding', embedding: base64(vector), index })), model: 'bge-small', usage: { prompt_tokens: 4, total_tokens: 4 } } };
    };
    for (const row of await embedBoth()) assert.deepEqual(tokens(row), [200, 'provider', '4']);
  });

  test('an {"error": ...} body with HTTP 200: a 502 provider_error naming the vendor message, not vectors', async () => {
    answer = () => ({ json: { error: { message: 'model not loaded', type: 'server_error' } } });
    const failure = await client.embeddings.create({ model: MODEL, input: ['first'] }).catch((error: unknown) => error);
    assert.ok(failure instanceof OpenAI.APIError, String(failure));
    assert.equal(failure.status, 502);
    assert.equal(failure.code, 'provider_error');
    assert.equal(failure.message, "502 Provider 'compat-embed' answered HTTP 200 with an error: model not loaded (type server_error)");
    const row = await rowOf(failure.headers?.get('x-request-id'));
    assert.equal(row.status, 502);
  });

  // `data: []` for inputs (a server that failed quietly) was a 200 with no vectors on a direct call,
  // and on a route an empty answer: the last target's was the client's 200 without vectors.
  const noVectors: Answer = (body) => ({ json: { object: 'list', data: [], model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } } });
  const errorCodes = async (requestId: string | null | undefined) =>
    (await db.query<{ status: number; error_code: string | null; model_name: string }>(`select status, error_code, model_name from public.ai_usage where request_id = $1 order by attempt`, [requestId ?? ''])).rows.map(
      (row) => [row.model_name, row.status, row.error_code],
    );

  test('no vectors for the inputs (data: []), called directly: the provider\'s 502 and an error row, for either encoding', async () => {
    answer = noVectors;
    for (const encoding of ['base64', 'float'] as const) {
      const failure = await client.embeddings.create({ model: MODEL, input: ['first', 'second'], encoding_format: encoding }).catch((error: unknown) => error);
      assert.ok(failure instanceof OpenAI.APIError, String(failure));
      assert.deepEqual([failure.status, failure.code, failure.message], [502, 'provider_error', "502 Provider 'compat-embed' returned 0 embeddings for 2 inputs"]);
      const requestId = failure.headers?.get('x-request-id');
      await rowOf(requestId);
      assert.deepEqual(await errorCodes(requestId), [[MODEL, 502, 'provider_error']]);
    }
  });

  test('no vectors on a route: the next target serves, the failed attempt an error row', async () => {
    answer = (body) =>
      body.model === 'bge-small' ? noVectors(body) : { json: { object: 'list', data: VECTORS.map((embedding, index) => ({ object: 'embedding', embedding, index })), model: body.model, usage: { prompt_tokens: 2, total_tokens: 2 } } };
    const { data, response } = await client.embeddings.create({ model: ROUTE, input: ['first', 'second'] }).withResponse();
    assert.deepEqual(data.data.map((item) => item.embedding), VECTORS);
    assert.equal(response.headers.get('x-switchboard-target'), FALLBACK);
    const requestId = response.headers.get('x-request-id');
    for (let tries = 0; tries < 100 && (await errorCodes(requestId)).length < 2; tries += 1) await served.switchboard.service.usage?.flush();
    assert.deepEqual(await errorCodes(requestId), [
      [MODEL, 502, 'provider_error'],
      [FALLBACK, 200, null],
    ]);
  });
});
