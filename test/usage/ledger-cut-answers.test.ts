// Answers the gateway cuts at its own size limits are charged, not free (found by an attack review).
// A tenant makes an answer as large as it likes (logprobs with 20 alternatives per token, `n`
// choices: about a kilobyte of JSON per generated token); over SWITCHBOARD_UPSTREAM_MAX_RESPONSE_BYTES
// the gateway answers 502, yet the vendor generated, and bills, the whole answer. It was recorded
// without usage at $0 and its reservation released, so the call could be repeated past any budget.
// Now it is estimated: the input, and the call's output bound as output. Likewise a stream whose
// first event is over SWITCHBOARD_UPSTREAM_MAX_EVENT_BYTES (OpenAI's `response.created` echoes the
// instructions) is charged the input the vendor received, and so is an embeddings answer over the
// limit. Strict OpenAI mock; limits lowered to
// 64 KiB so the tests stay small (the same code path). PGlite, and Postgres with DATABASE_URL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createKeyring, createMasterKey } from '../../src/crypto/keyring.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { insertTenant, type Tenant } from '../security/fixture.js';

const KEY = 'sk-cut-answers-0123456789abcdef';
const MODEL = 'cut-gpt';
const EMBED = 'cut-embed';
const LIMIT_BYTES = 64 * 1024;

interface Row {
  status: number;
  usage_source: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: string | null;
}

describe('answers cut at the size limits are charged', () => {
  let db: TestDb;
  let vendor: OpenAIMock;
  let switchboard: Switchboard;
  let gateway: Gateway;
  let origin: string;
  let tenant: Tenant;

  before(async () => {
    vendor = await startOpenAIMock({ apiKeys: [KEY] });
    db = await createTestDb();
    // $1 per thousand output tokens, input free: a row's cost is its output.
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, pricing)
       values ('cut-openai', 'OpenAIProvider', $1, '["CUT_OPENAI_API_KEY"]'::jsonb, '{"input_per_mtok": 0, "output_per_mtok": 1000}'::jsonb)`,
      [vendor.baseUrl],
    );
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o' from public.ai_providers where name = 'cut-openai'`, [MODEL]);
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'text-embedding-3-small' from public.ai_providers where name = 'cut-openai'`, [EMBED]);
    tenant = await insertTenant(db, 'cut-answers');
    // Room for one call's reservation (6,000 output tokens: $6), not for two.
    await db.query(`insert into public.ai_budgets (name, project_id, limit_usd, period) values ('cut-budget', $1, 10, 'month')`, [tenant.id]);
    switchboard = await createSwitchboard({
      db,
      env: { CUT_OPENAI_API_KEY: KEY },
      keyring: createKeyring(createMasterKey(randomBytes(32))),
      migrate: false,
      pollMs: 0,
      listen: false,
      usage: { flushIntervalMs: 20 },
      upstream: { limits: { maxResponseBytes: LIMIT_BYTES, maxEventBytes: LIMIT_BYTES } },
    });
    gateway = createGateway({ service: switchboard.service, snapshot: () => switchboard.watcher.snapshot, config: Object.freeze({ ...loadConfig({}), env: {} }) });
    const address: AddressInfo = await gateway.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    await gateway?.close();
    await switchboard?.close();
    await vendor?.close();
    await db?.dispose();
  });

  async function post(path: string, body: Record<string, unknown>, requestId: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  async function rowOf(requestId: string): Promise<Row> {
    await switchboard.service.usage?.flush();
    const result = await db.query<Row>(
      `select status, usage_source, input_tokens::int, output_tokens::int, cost_usd::text from public.ai_usage where request_id = $1`,
      [requestId],
    );
    assert.equal(result.rows.length, 1, `one row for ${requestId}`);
    return result.rows[0] as Row;
  }

  test("a stream whose first event is over the limit (Responses echoes the instructions): the input the vendor received is charged", async () => {
    const instructions = 'word '.repeat(20_000);
    const answer = await post('/v1/responses', { model: MODEL, stream: true, instructions, input: 'hi' }, 'cut-event-1');
    assert.match(answer.text, /SWITCHBOARD_UPSTREAM_MAX_EVENT_BYTES/);
    const row = await rowOf('cut-event-1');
    assert.equal(row.cost_usd, '0.000000000000', 'input is free here: the budget keeps its room');
    assert.equal(row.usage_source, 'estimated', JSON.stringify(row));
    assert.ok(row.input_tokens >= 19_000, `the 20,000-word prompt is charged: ${row.input_tokens} input tokens`);
  });
  test('a non-streamed answer over the limit: 502 to the client, its output bound charged to the ledger and the budget', async () => {
    // 2,000 words echoed back in 2 choices, with 20 alternatives per word: megabytes of JSON.
    const prompt = Array.from({ length: 2000 }, (_, index) => `w${index}`).join(' ');
    const body = { model: MODEL, n: 2, max_tokens: 3000, logprobs: true, top_logprobs: 20, messages: [{ role: 'user', content: prompt }] };
    const calls = vendor.requests.length;
    const first = await post('/v1/chat/completions', body, 'cut-answer-1');
    assert.equal(first.status, 502, first.text);
    assert.match(first.text, /SWITCHBOARD_UPSTREAM_MAX_RESPONSE_BYTES/);
    assert.equal(vendor.requests.length, calls + 1, 'the vendor had the request');
    const row = await rowOf('cut-answer-1');
    assert.deepEqual([row.status, row.usage_source, row.output_tokens], [502, 'estimated', 6000], JSON.stringify(row));
    assert.equal(row.cost_usd, '6.000000000000');

    // The budget was charged the $6: a second such call no longer fits its reservation.
    const second = await post('/v1/chat/completions', body, 'cut-answer-2');
    assert.equal(second.status, 429, second.text);
    assert.match(second.text, /budget/i);
    assert.equal(vendor.requests.length, calls + 1, 'refused before the vendor');
  });

  test('an embeddings answer over the limit (3,072 floats per input): the input the vendor embedded is charged', async () => {
    const input = Array.from({ length: 12 }, (_, index) => `text number ${index} to embed`);
    const answer = await post('/v1/embeddings', { model: EMBED, input, dimensions: 3072 }, 'cut-embed-1');
    assert.equal(answer.status, 502, answer.text);
    const row = await rowOf('cut-embed-1');
    assert.equal(row.usage_source, 'estimated', JSON.stringify(row));
    assert.ok(row.input_tokens >= 12 * 5, `${row.input_tokens} input tokens for 12 inputs of 5 words`);
  });
});
