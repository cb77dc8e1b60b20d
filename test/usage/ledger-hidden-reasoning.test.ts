// A reasoning model's hidden reasoning is charged when its stream is cut before the vendor's usage.
// OpenAI's o-series and GPT-5 think before their first visible delta and never show it (chat
// completions; the Responses API without a summary), and bill every reasoning token. A client that
// read most of an answer, or cut while the model was still thinking, and closed the connection
// before the final usage was charged the visible text only (or its input only), against the ledger
// and its budget: the reasoning was free. Now the estimate adds the time before the first visible
// delta × a decode rate, within the call's output bound, as reasoning tokens (priced at the reasoning
// rate), on rows marked `features.reasoning: true` only. A thinking OpenAI server streams for real on
// loopback (thinking-vendor.ts). Bounds come from times the test measures on the same clock (never
// from how fast this machine is). PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_TOKENS_PER_SECOND } from '../../src/usage/hidden-reasoning.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { eventually } from '../library/library-harness.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { expectedCostPico, ledgerRows, PRICES, pricingJson, rowBuckets, scaled, type LedgerRow } from './ledger-harness.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';
import { startThinkingVendor, type ThinkingPlan, type ThinkingVendor } from './thinking-vendor.js';

const KEY = 'sk-thinking-0123456789abcdef';
const THINKER = 'hr-think';
const PLAIN = 'hr-plain';
/** Both rows' `max_tokens`: the output bound of a call whose client sets none (its reservation's). */
const ROW_MAX_TOKENS = 4000;
const PROMPT = 'explain the ledger in many words';

interface Cut {
  row: LedgerRow;
  /** What the client read. */
  text: string;
  /** performance.now() before the request went out and once its row was written (they contain the attempt). */
  sentAt: number;
  rowAt: number;
}

/** Reasoning tokens `ms` of thinking give at the default rate. */
const atDefaultRate = (ms: number): number => (ms * DEFAULT_TOKENS_PER_SECOND) / 1000;

describe('hidden reasoning of a cut stream is charged', () => {
  let db: TestDb;
  let vendor: ThinkingVendor;
  let served: Served;
  let tenant: Tenant;
  let requests = 0;

  before(async () => {
    vendor = await startThinkingVendor(KEY);
    db = await createTestDb();
    await db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('hr-openai', 'OpenAIProvider', $1, '["HR_OPENAI_API_KEY"]'::jsonb)`,
      [vendor.baseUrl],
    );
    for (const [name, modelId, features] of [
      [THINKER, 'gpt-5-mini', { reasoning: true }],
      [PLAIN, 'gpt-4o-mini', {}],
    ] as const) {
      await db.query(
        `insert into public.ai_models (name, provider_id, model_id, max_tokens, features, pricing)
         select $1, id, $2, $3, $4::jsonb, $5::jsonb from public.ai_providers where name = 'hr-openai'`,
        [name, modelId, ROW_MAX_TOKENS, JSON.stringify(features), JSON.stringify(pricingJson(PRICES))],
      );
    }
    tenant = await insertTenant(db, 'hidden-reasoning');
    await db.query(`insert into public.ai_budgets (name, project_id, limit_usd) values ('hr-budget', $1, 1000)`, [tenant.id]);
    served = await serveSwitchboard(db, { env: { HR_OPENAI_API_KEY: KEY }, usage: { flushIntervalMs: 20 } });
    await eventually(() => served.switchboard.governor?.rules.all().length === 1, 'the budget rule');
  });
  after(async () => {
    await served?.close();
    await db?.dispose();
    await vendor?.close();
  });

  /** The row of `requestId`, once written. */
  async function rowOf(requestId: string): Promise<LedgerRow> {
    for (let tries = 0; tries < 250; tries += 1) {
      await served.switchboard.service.usage?.flush();
      const [row] = await ledgerRows(db, 'request_id = $1', [requestId]);
      if (row !== undefined) return row;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ledger row for ${requestId}`);
  }

  /** The budget's spend in pico-USD, as this instance counts it. */
  function budgetSpent(): bigint {
    const line = /switchboard_governance_spent\{kind="budget",name="hr-budget",metric="usd"\} ([\d.]+)/.exec(served.switchboard.governor?.metricsText() ?? '');
    return scaled(line?.[1] ?? '0', 12);
  }

  /**
   * Streams `body` to `path` under `plan`, and cuts it once `until` is true of what the client read
   * and `afterArrival` ms have passed since the request reached the vendor. `headless`: the
   * response's head never comes before the cut (the vendor holds it), so only the time is waited for.
   */
  async function cut(
    path: string,
    body: Record<string, unknown>,
    plan: Partial<ThinkingPlan>,
    until: (text: string) => boolean,
    afterArrival = 0,
    headless = false,
  ): Promise<Cut> {
    const arrived = vendor.next(plan);
    const requestId = `hidden-reasoning-${(requests += 1)}`;
    const controller = new AbortController();
    const sentAt = performance.now();
    let text = '';
    const reading = (async () => {
      const response = await fetch(`${served.origin}${path}`, {
        method: 'POST',
        signal: controller.signal,
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ ...body, stream: true }),
      });
      assert.equal(response.status, 200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      while (!until(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before the cut: ${text.slice(-300)}`);
        text += decoder.decode(value, { stream: true });
      }
    })();
    reading.catch(() => undefined);
    const at = await arrived;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + afterArrival - performance.now())));
    if (!headless) await reading;
    controller.abort();
    await reading.catch(() => undefined);
    const row = await rowOf(requestId);
    return { row, text, sentAt, rowAt: performance.now() };
  }

  /** Reads a whole stream; its row. */
  async function complete(path: string, body: Record<string, unknown>, plan: Partial<ThinkingPlan>): Promise<LedgerRow> {
    void vendor.next(plan);
    const requestId = `hidden-reasoning-${(requests += 1)}`;
    const response = await fetch(`${served.origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ ...body, stream: true }),
    });
    assert.equal(response.status, 200);
    await response.text();
    return rowOf(requestId);
  }

  const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;
  /** Chat completions content deltas (the opening role chunk's `""` is none). */
  const chatDeltas = (text: string): number => count(text, /"content":"[^"]/g);
  const responsesDeltas = (text: string): number => count(text, /event: response\.output_text\.delta\n/g);
  const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: PROMPT }], ...extra });
  const responses = (model: string, extra: Record<string, unknown> = {}) => ({ model, input: PROMPT, ...extra });
  /** Thinks for a long while, then answers slowly: every cut below comes first. */
  const slowAnswer: Partial<ThinkingPlan> = { thinkMs: 300, words: 200, wordDelayMs: 5, reasoningTokens: 900 };
  const thinksLong: Partial<ThinkingPlan> = { thinkMs: 30_000, words: 5, reasoningTokens: 900 };

  function assertEstimated(row: LedgerRow): void {
    assert.deepEqual([row.status, row.incomplete, row.usage_source], [499, true, 'estimated'], JSON.stringify(row));
    // Priced like reported usage: the reasoning at the reasoning rate.
    assert.equal(scaled(row.cost_usd ?? 'null', 12), expectedCostPico(rowBuckets(row), PRICES), `cost of ${row.request_id}`);
  }

  /** The reasoning tokens of a cut made while the model thought: at the default rate for the time the attempt can have lasted. */
  function assertThoughtFor(result: Cut, thinkingAtLeastMs: number, bound: number): void {
    const reasoning = Number(result.row.reasoning_tokens);
    assert.equal(Number(result.row.output_tokens), 0, 'nothing visible');
    assert.ok(reasoning >= Math.floor(atDefaultRate(thinkingAtLeastMs)) - 1, `${reasoning} reasoning tokens for at least ${thinkingAtLeastMs} ms of thinking`);
    assert.ok(reasoning <= Math.min(bound, Math.ceil(atDefaultRate(result.rowAt - result.sentAt)) + 1), `${reasoning} reasoning tokens, at most ${result.rowAt - result.sentAt} ms`);
  }

  test('chat completions, cut after most of the answer: the reasoning before it is charged, with the text read', async () => {
    const spentBefore = budgetSpent();
    const result = await cut('/v1/chat/completions', chat(THINKER), slowAnswer, (text) => chatDeltas(text) >= 60);
    const { row } = result;
    assertEstimated(row);
    const output = Number(row.output_tokens);
    const reasoning = Number(row.reasoning_tokens);
    assert.ok(output >= 60, `the text read is output: ${output}`);
    assert.ok(reasoning > 0 && reasoning <= ROW_MAX_TOKENS - output, `reasoning ${reasoning}, output ${output}`);
    // The budget is charged what the ledger says, reasoning included.
    await eventually(() => budgetSpent() - spentBefore === scaled(row.cost_usd ?? '0', 12), 'the budget charged the row');
  });

  test('chat completions, cut while the model thinks (nothing visible yet): the thinking time at the default rate', async () => {
    const result = await cut('/v1/chat/completions', chat(THINKER), thinksLong, () => true, 500);
    assertEstimated(result.row);
    assertThoughtFor(result, 500, ROW_MAX_TOKENS);
  });

  test("chat completions, a server holding the response's head until the first visible delta, cut while thinking", async () => {
    const result = await cut('/v1/chat/completions', chat(THINKER), { ...thinksLong, holdHead: true }, () => true, 400, true);
    assertEstimated(result.row);
    assertThoughtFor(result, 400, ROW_MAX_TOKENS);
  });

  test("the client's limit bounds the estimate (max_completion_tokens counts reasoning)", async () => {
    // 300 ms at the default rate is 30 tokens at least: more than the limit.
    const result = await cut('/v1/chat/completions', chat(THINKER, { max_completion_tokens: 20 }), thinksLong, () => true, 300);
    assertEstimated(result.row);
    assert.deepEqual([Number(result.row.output_tokens), Number(result.row.reasoning_tokens)], [0, 20]);
  });

  test('reasoning turned off by the request, or a row that does not reason: no reasoning is added', async () => {
    const off = await cut('/v1/chat/completions', chat(THINKER, { reasoning_effort: 'none' }), thinksLong, () => true, 300);
    assertEstimated(off.row);
    assert.equal(off.row.reasoning_tokens, '0');
    const thinking = await cut('/v1/chat/completions', chat(PLAIN), thinksLong, () => true, 300);
    assertEstimated(thinking.row);
    assert.deepEqual([thinking.row.output_tokens, thinking.row.reasoning_tokens], ['0', '0']);
    const answered = await cut('/v1/chat/completions', chat(PLAIN), slowAnswer, (text) => chatDeltas(text) >= 60);
    assertEstimated(answered.row);
    assert.ok(Number(answered.row.output_tokens) >= 60);
    assert.equal(answered.row.reasoning_tokens, '0');
  });

  test('reasoning shown as it is generated (reasoning_content deltas) is text: the time after it is not charged again', async () => {
    const shown = ['Let', ' me', ' think'];
    let shownAt = 0;
    const result = await cut(
      '/v1/chat/completions',
      chat(THINKER),
      { ...thinksLong, showReasoning: shown },
      (text) => {
        if (shownAt === 0 && text.includes('"reasoning_content":" think"')) shownAt = performance.now();
        return shownAt > 0;
      },
      600,
    );
    assertEstimated(result.row);
    // The reasoning text read is output; hidden reasoning is timed up to its first delta only, which
    // the client saw by `shownAt` (its 600 ms of thinking after it count nothing).
    assert.ok(Number(result.row.output_tokens) >= shown.length, result.row.output_tokens);
    const reasoning = Number(result.row.reasoning_tokens);
    assert.ok(reasoning <= Math.ceil(atDefaultRate(shownAt - result.sentAt)) + 1, `${reasoning} reasoning tokens, the first shown by ${shownAt - result.sentAt} ms`);
  });

  test("a stream that completes keeps the vendor's numbers", async () => {
    const row = await complete('/v1/chat/completions', chat(THINKER), { thinkMs: 200, words: 12, reasoningTokens: 900 });
    assert.deepEqual(
      [row.status, row.usage_source, row.output_tokens, row.reasoning_tokens],
      [200, 'provider', '12', '900'],
    );
  });

  test('/v1/responses (native), cut after most of the answer: the reasoning before it is charged', async () => {
    const result = await cut('/v1/responses', responses(THINKER), slowAnswer, (text) => responsesDeltas(text) >= 60);
    const { row } = result;
    assertEstimated(row);
    const output = Number(row.output_tokens);
    const reasoning = Number(row.reasoning_tokens);
    assert.ok(output >= 60, `the text read is output: ${output}`);
    assert.ok(reasoning > 0 && reasoning <= ROW_MAX_TOKENS - output, `reasoning ${reasoning}, output ${output}`);
  });

  test('/v1/responses (native), cut while the model thinks (a reasoning item, no text yet)', async () => {
    const result = await cut('/v1/responses', responses(THINKER, { max_output_tokens: 1000 }), thinksLong, (text) => text.includes('event: response.output_item.added\n'), 500);
    assertEstimated(result.row);
    assertThoughtFor(result, 500, 1000);
  });

  test('/v1/responses (native): a row that does not reason gets none; a completed stream keeps the vendor\'s numbers', async () => {
    const plain = await cut('/v1/responses', responses(PLAIN), slowAnswer, (text) => responsesDeltas(text) >= 60);
    assertEstimated(plain.row);
    assert.ok(Number(plain.row.output_tokens) >= 60);
    assert.equal(plain.row.reasoning_tokens, '0');
    const row = await complete('/v1/responses', responses(THINKER), { thinkMs: 200, words: 12, reasoningTokens: 900 });
    assert.deepEqual([row.status, row.usage_source, row.output_tokens, row.reasoning_tokens], [200, 'provider', '12', '900']);
  });
});
