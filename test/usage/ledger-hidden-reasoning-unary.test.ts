// A reasoning model's hidden reasoning is charged when a NON-streamed call is cut while it thinks.
// OpenAI's o-series and GPT-5 think before they answer, and a non-streamed answer (its head
// included) comes only once they are done. A client that closed the connection after a minute of
// thinking (the gateway then aborts the upstream call) was charged its input only, and so was a
// call the gateway gave up on by its own timeout: the vendor bills the reasoning generated until
// the abort, so a tenant could fire such calls at an expensive reasoning model and leave the
// operator paying for minutes of reasoning outside its budget and missing from the ledger. Now the
// estimate adds the attempt's time × the default decode rate, within the call's output bound, as
// reasoning tokens (priced at the reasoning rate) on rows marked `features.reasoning: true`, and as
// output tokens on any other row (a non-streamed answer of any model is generated unseen).
// A thinking OpenAI server answers for real on loopback (thinking-vendor.ts). Bounds come from
// times the test measures on the same clock (never from how fast this machine is). PGlite, and
// Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_TOKENS_PER_SECOND } from '../../src/usage/hidden-reasoning.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { eventually } from '../library/library-harness.js';
import { insertTenant, type Tenant } from '../security/fixture.js';
import { expectedCostPico, ledgerRows, PRICES, pricingJson, rowBuckets, scaled, type LedgerRow } from './ledger-harness.js';
import { serveSwitchboard, type Served } from './serve-switchboard.js';
import { startThinkingVendor, type ThinkingPlan, type ThinkingVendor } from './thinking-vendor.js';

const KEY = 'sk-thinking-unary-0123456789abcdef';
const THINKER = 'hru-think';
const PLAIN = 'hru-plain';
/** A reasoning row whose provider gives up waiting for the response head after FIRST_BYTE_MS. */
const IMPATIENT = 'hru-impatient';
const FIRST_BYTE_MS = 600;
/** The rows' `max_tokens`: the output bound of a call whose client sets none (its reservation's). */
const ROW_MAX_TOKENS = 4000;
const PROMPT = 'explain the ledger in many words';

interface Outcome {
  row: LedgerRow;
  /** The HTTP status the client got (undefined: it went away first). */
  status: number | undefined;
  /** performance.now() before the request went out and once its row was written (they contain the attempt). */
  sentAt: number;
  rowAt: number;
}

/** Reasoning tokens `ms` of thinking give at the default rate. */
const atDefaultRate = (ms: number): number => (ms * DEFAULT_TOKENS_PER_SECOND) / 1000;

describe('hidden reasoning of a non-streamed call cut while the model thinks is charged', () => {
  let db: TestDb;
  let vendor: ThinkingVendor;
  let served: Served;
  let tenant: Tenant;
  let requests = 0;

  before(async () => {
    vendor = await startThinkingVendor(KEY);
    db = await createTestDb();
    for (const [name, config] of [
      ['hru-openai', {}],
      ['hru-openai-impatient', { timeouts: { first_byte_ms: FIRST_BYTE_MS } }],
    ] as const) {
      await db.query(
        `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, config) values ($1, 'OpenAIProvider', $2, '["HRU_OPENAI_API_KEY"]'::jsonb, $3::jsonb)`,
        [name, vendor.baseUrl, JSON.stringify(config)],
      );
    }
    for (const [name, provider, modelId, features] of [
      [THINKER, 'hru-openai', 'gpt-5-mini', { reasoning: true }],
      [PLAIN, 'hru-openai', 'gpt-4o-mini', {}],
      [IMPATIENT, 'hru-openai-impatient', 'gpt-5-mini', { reasoning: true }],
    ] as const) {
      await db.query(
        `insert into public.ai_models (name, provider_id, model_id, max_tokens, features, pricing)
         select $1, id, $3, $4, $5::jsonb, $6::jsonb from public.ai_providers where name = $2`,
        [name, provider, modelId, ROW_MAX_TOKENS, JSON.stringify(features), JSON.stringify(pricingJson(PRICES))],
      );
    }
    tenant = await insertTenant(db, 'hidden-reasoning-unary');
    await db.query(`insert into public.ai_budgets (name, project_id, limit_usd) values ('hru-budget', $1, 1000)`, [tenant.id]);
    served = await serveSwitchboard(db, { env: { HRU_OPENAI_API_KEY: KEY }, usage: { flushIntervalMs: 20 } });
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
    const line = /switchboard_governance_spent\{kind="budget",name="hru-budget",metric="usd"\} ([\d.]+)/.exec(served.switchboard.governor?.metricsText() ?? '');
    return scaled(line?.[1] ?? '0', 12);
  }

  /**
   * Posts `body` to `path` under `plan`; with `abandonAfter`, the client goes away that many ms
   * after the request reached the vendor. Else it waits for the answer (or the gateway's error).
   */
  async function call(path: string, body: Record<string, unknown>, plan: Partial<ThinkingPlan>, abandonAfter?: number): Promise<Outcome> {
    const arrived = vendor.next(plan);
    const requestId = `hidden-reasoning-unary-${(requests += 1)}`;
    const controller = new AbortController();
    const sentAt = performance.now();
    const answering = fetch(`${served.origin}${path}`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(body),
    }).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    });
    answering.catch(() => undefined);
    const at = await arrived;
    if (abandonAfter !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + abandonAfter - performance.now())));
      controller.abort();
    }
    const status = await answering.catch(() => undefined);
    const row = await rowOf(requestId);
    return { row, status, sentAt, rowAt: performance.now() };
  }

  const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: PROMPT }], ...extra });
  const responses = (model: string, extra: Record<string, unknown> = {}) => ({ model, input: PROMPT, ...extra });
  const thinksLong: Partial<ThinkingPlan> = { thinkMs: 30_000, words: 5, reasoningTokens: 900 };

  /** `unseen`: the row's output is what a model that does not reason generated unseen (checked by the caller). */
  function assertEstimated(row: LedgerRow, status: number, incomplete: boolean, unseen = false): void {
    assert.deepEqual([row.status, row.incomplete, row.usage_source], [status, incomplete, 'estimated'], JSON.stringify(row));
    assert.ok(Number(row.input_tokens) > 0, 'the input is charged');
    if (!unseen) assert.equal(row.output_tokens, '0', 'nothing was answered');
    // Priced like reported usage: the reasoning at the reasoning rate.
    assert.equal(scaled(row.cost_usd ?? 'null', 12), expectedCostPico(rowBuckets(row), PRICES), `cost of ${row.request_id}`);
  }

  /**
   * The reasoning tokens of a call cut while the model thought (or, `column` output, the output a
   * model that does not reason generated unseen): at the default rate for the time the attempt can
   * have lasted.
   */
  function assertThoughtFor(result: Outcome, thinkingAtLeastMs: number, bound: number, column: 'reasoning_tokens' | 'output_tokens' = 'reasoning_tokens'): void {
    const reasoning = Number(result.row[column]);
    assert.ok(reasoning >= Math.min(bound, Math.floor(atDefaultRate(thinkingAtLeastMs)) - 1), `${reasoning} reasoning tokens for at least ${thinkingAtLeastMs} ms of thinking`);
    assert.ok(reasoning <= Math.min(bound, Math.ceil(atDefaultRate(result.rowAt - result.sentAt)) + 1), `${reasoning} reasoning tokens, at most ${result.rowAt - result.sentAt} ms`);
  }

  /**
   * A call the gateway's first-byte timeout cut: undici runs that timeout on a coarse clock (ticks
   * of about half a second), so it may fire well before or after FIRST_BYTE_MS; the row's own
   * upstream time (the attempt's span less the few steps before its upstream call) is the floor.
   */
  function assertTimedOutAfterThinking(result: Outcome): void {
    const upstreamMs = Number(result.row.upstream_ms);
    assert.ok(upstreamMs > 0, `upstream_ms ${upstreamMs}`);
    assertThoughtFor(result, upstreamMs, ROW_MAX_TOKENS);
    assert.ok(Number(result.row.reasoning_tokens) > 0, 'reasoning charged');
  }

  test('chat completions, abandoned by the client while the model thinks: the thinking time at the default rate, charged to the budget', async () => {
    const spentBefore = budgetSpent();
    const result = await call('/v1/chat/completions', chat(THINKER), thinksLong, 700);
    assertEstimated(result.row, 499, true);
    assertThoughtFor(result, 700, ROW_MAX_TOKENS);
    // The budget is charged what the ledger says, reasoning included.
    await eventually(() => budgetSpent() - spentBefore === scaled(result.row.cost_usd ?? '0', 12), 'the budget charged the row');
  });

  test("the client's limit bounds the estimate (max_completion_tokens counts reasoning)", async () => {
    // 500 ms at the default rate is 50 tokens at least: more than the limit.
    const result = await call('/v1/chat/completions', chat(THINKER, { max_completion_tokens: 20 }), thinksLong, 500);
    assertEstimated(result.row, 499, true);
    assert.equal(result.row.reasoning_tokens, '20');
  });

  test('a row that does not reason, or a request that turns reasoning off: no reasoning; the time as output instead', async () => {
    const plain = await call('/v1/chat/completions', chat(PLAIN), thinksLong, 500);
    assertEstimated(plain.row, 499, true, true);
    assert.equal(plain.row.reasoning_tokens, '0');
    assertThoughtFor(plain, 500, ROW_MAX_TOKENS, 'output_tokens');
    const off = await call('/v1/chat/completions', chat(THINKER, { reasoning_effort: 'none' }), thinksLong, 500);
    assertEstimated(off.row, 499, true, true);
    assert.equal(off.row.reasoning_tokens, '0');
    assertThoughtFor(off, 500, ROW_MAX_TOKENS, 'output_tokens');
  });

  test('n choices: n times the time, within n times the bound', async () => {
    const result = await call('/v1/chat/completions', chat(THINKER, { n: 3 }), thinksLong, 500);
    assertEstimated(result.row, 499, true);
    const reasoning = Number(result.row.reasoning_tokens);
    assert.ok(reasoning >= 3 * (Math.floor(atDefaultRate(500)) - 1), `${reasoning} reasoning tokens for 3 choices of at least 500 ms`);
    assert.ok(reasoning <= 3 * (Math.ceil(atDefaultRate(result.rowAt - result.sentAt)) + 1), `${reasoning} reasoning tokens, at most ${result.rowAt - result.sentAt} ms`);
  });

  test("the gateway's own first-byte timeout on a thinking model: the 504 is charged the thinking time too", async () => {
    const spentBefore = budgetSpent();
    const result = await call('/v1/chat/completions', chat(IMPATIENT), thinksLong);
    assert.equal(result.status, 504);
    assertEstimated(result.row, 504, false);
    assertTimedOutAfterThinking(result);
    await eventually(() => budgetSpent() - spentBefore === scaled(result.row.cost_usd ?? '0', 12), 'the budget charged the row');
  });

  test("a call that completes keeps the vendor's numbers", async () => {
    const result = await call('/v1/chat/completions', chat(THINKER), { thinkMs: 200, words: 12, reasoningTokens: 900 });
    assert.equal(result.status, 200);
    assert.deepEqual([result.row.status, result.row.usage_source, result.row.output_tokens, result.row.reasoning_tokens], [200, 'provider', '12', '900']);
  });

  test('/v1/responses (native), abandoned while the model thinks: the thinking time within max_output_tokens, charged to the budget', async () => {
    const spentBefore = budgetSpent();
    const result = await call('/v1/responses', responses(THINKER, { max_output_tokens: 1000 }), thinksLong, 700);
    assertEstimated(result.row, 499, true);
    assertThoughtFor(result, 700, 1000);
    await eventually(() => budgetSpent() - spentBefore === scaled(result.row.cost_usd ?? '0', 12), 'the budget charged the row');
  });

  test("/v1/responses (native): a row that does not reason gets the time as output; the gateway's timeout is charged; a completed call keeps the vendor's numbers", async () => {
    const plain = await call('/v1/responses', responses(PLAIN), thinksLong, 500);
    assertEstimated(plain.row, 499, true, true);
    assert.equal(plain.row.reasoning_tokens, '0');
    assertThoughtFor(plain, 500, ROW_MAX_TOKENS, 'output_tokens');
    const timedOut = await call('/v1/responses', responses(IMPATIENT), thinksLong);
    assert.equal(timedOut.status, 504);
    assertEstimated(timedOut.row, 504, false);
    assertTimedOutAfterThinking(timedOut);
    const done = await call('/v1/responses', responses(THINKER), { thinkMs: 200, words: 12, reasoningTokens: 900 });
    assert.equal(done.status, 200);
    assert.deepEqual([done.row.status, done.row.usage_source, done.row.output_tokens, done.row.reasoning_tokens], [200, 'provider', '12', '900']);
  });

  test('/v1/responses (native) streamed, abandoned before the vendor sent its head: timed like any cut stream', async () => {
    const result = await call('/v1/responses', responses(THINKER, { stream: true, max_output_tokens: 1000 }), { ...thinksLong, holdHead: true }, 600);
    assertEstimated(result.row, 499, true);
    assertThoughtFor(result, 600, 1000);
  });
});
