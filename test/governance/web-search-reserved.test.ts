// A call's reservation includes the web searches its tools may run. A row that passes the vendor's
// web search tool ("tools.web_search": "pass") lets a call run searches billed at
// `web_search_per_call` each; they were left out of the reservation, so many concurrent calls at an
// almost exhausted budget were each admitted on their tokens alone and their searches overran it.
// Now a call reserves searches × price: Anthropic's `max_uses`, the Responses API's
// `max_tool_calls`, else SWITCHBOARD_WEB_SEARCH_RESERVE searches. A call without such a tool (or
// whose tool the row drops) reserves exactly its tokens, as before. PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnthropicMock } from '../mock-vendors/anthropic.js';
import { addAnthropicModel, ANTHROPIC_ENV, createWorld, within, type Instance, type World } from './governed-gateways.js';

const CLAUDE = 'ws-claude';
const GPT = 'ws-gpt';
/** An OpenAI row with a search price whose rules do not pass web search (the tool is dropped). */
const GPT_DROPPED = 'ws-gpt-dropped';
const PASS_WEB_SEARCH = JSON.stringify({ native_fields: { 'tools.web_search': 'pass' } });
/** $10 per search (the model rows' key), output $1 per token and input free (the providers'). */
const SEARCH_PRICE = { web_search_per_call: 10 };
/** SWITCHBOARD_WEB_SEARCH_RESERVE for this gateway: a call whose search tool has no cap reserves 3 searches. */
const RESERVE = '3';

interface Answer {
  status: number;
  code: string | undefined;
  message: string | undefined;
}

describe('web searches are reserved', () => {
  let world: World;
  let anthropic: AnthropicMock;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    anthropic = await addAnthropicModel(world, 'ws-plain-claude', { input: 0, output: 1 });
    for (const [name, provider, modelId, features] of [
      [CLAUDE, 'gov-anthropic', 'claude-sonnet-4-5', PASS_WEB_SEARCH],
      [GPT, 'gov-openai', 'gpt-4o-mini', PASS_WEB_SEARCH],
      [GPT_DROPPED, 'gov-openai', 'gpt-4o-mini', '{}'],
    ] as const) {
      await world.db.query(
        `insert into public.ai_models (name, provider_id, model_id, max_tokens, features, pricing)
         select $1, id, $3, 64, $4::jsonb, $5::jsonb from public.ai_providers where name = $2`,
        [name, provider, modelId, features, JSON.stringify(SEARCH_PRICE)],
      );
    }
    for (const [budget, model, limit] of [
      ['claude-room', CLAUDE, 100],
      ['gpt-room', GPT, 100],
      ['dropped-room', GPT_DROPPED, 20],
    ] as const) {
      await world.db.query(`insert into public.ai_budgets (name, project_id, model_name, limit_usd) values ($1, $2, $3, $4)`, [budget, world.projectId, model, limit]);
    }
    gateway = await world.start({ env: { ...ANTHROPIC_ENV, SWITCHBOARD_WEB_SEARCH_RESERVE: RESERVE } });
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 3));
  });
  after(async () => {
    await world?.close();
    await anthropic?.close();
  });

  async function post(path: '/v1/messages' | '/v1/responses', body: Record<string, unknown>): Promise<Answer> {
    const response = await fetch(`${gateway.origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.key.key}`, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { error?: { code?: string; type?: string; message?: string } };
    // Anthropic's error shape names the kind in `type`; OpenAI's in `code`.
    return { status: response.status, code: answer.error?.code ?? answer.error?.type, message: answer.error?.message };
  }

  /** The budget's spend as this instance counts it (settled ledger costs). */
  function budgetSpent(name: string): number {
    const line = new RegExp(`switchboard_governance_spent\\{kind="budget",name="${name}",metric="usd"\\} ([\\d.]+)`).exec(gateway.switchboard.governor?.metricsText() ?? '');
    return Number(line?.[1] ?? 0);
  }

  /** The summed cost and searches of the ledger's 200 rows of `model`, once there are `count`. */
  async function settled(model: string, count: number): Promise<{ cost: number; searches: number }> {
    let totals = { rows: 0, cost: 0, searches: 0 };
    await within(5000, async () => {
      await gateway.switchboard.service.usage?.flush();
      const result = await world.db.query<{ rows: number; cost: string; searches: number }>(
        `select count(*)::int as rows, coalesce(sum(cost_usd), 0)::text as cost, coalesce(sum(web_search_calls), 0)::int as searches
           from public.ai_usage where model_name = $1 and status = 200`,
        [model],
      );
      const row = result.rows[0];
      totals = { rows: row?.rows ?? 0, cost: Number(row?.cost ?? 0), searches: row?.searches ?? 0 };
      return totals.rows >= count;
    });
    return { cost: totals.cost, searches: totals.searches };
  }

  function tally(answers: readonly Answer[]): { admitted: number; refused: number } {
    for (const answer of answers) assert.ok(answer.status === 200 || answer.status === 429, JSON.stringify(answer));
    return { admitted: answers.filter((answer) => answer.status === 200).length, refused: answers.filter((answer) => answer.status === 429).length };
  }

  it('/v1/messages: max_uses × the search price is reserved, so concurrent calls past the room are refused and the budget holds', async () => {
    const calls = anthropic.requests.length;
    // $5 of output (max_tokens) + 3 searches × $10 = $35 each: 2 fit in $100, 6 at once used to all pass.
    const body = {
      model: CLAUDE,
      max_tokens: 5,
      tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
      messages: [{ role: 'user', content: 'search search search' }],
    };
    const answers = await Promise.all(Array.from({ length: 6 }, () => post('/v1/messages', body)));
    assert.deepEqual(tally(answers), { admitted: 2, refused: 4 });
    for (const answer of answers.filter((one) => one.status === 429)) {
      assert.equal(answer.code, 'rate_limit_error');
      assert.match(answer.message ?? '', /Budget 'claude-room' is exhausted .*may cost up to \$35\.00/);
    }
    assert.equal(anthropic.requests.length, calls + 2, 'refused before the vendor');
    // Each ran its 3 searches ($30) and 4 output tokens; the budget was charged that, within its limit.
    assert.deepEqual(await settled(CLAUDE, 2), { cost: 68, searches: 6 });
    await within(3000, () => Promise.resolve(budgetSpent('claude-room') === 68));
  });

  it('/v1/messages on the same row without the tool reserves its tokens only, as before', async () => {
    // $32 left: 40 output tokens do not fit, 30 do (they would not with 3 default searches at $10 added).
    const ask = (maxTokens: number) => post('/v1/messages', { model: CLAUDE, max_tokens: maxTokens, messages: [{ role: 'user', content: 'a b c' }] });
    const refused = await ask(40);
    assert.equal(refused.status, 429);
    assert.match(refused.message ?? '', /may cost up to \$40\.00 and \$32\.00 of \$100\.00 is left/);
    assert.equal((await ask(30)).status, 200);
  });

  it('/v1/responses: max_tool_calls caps the searches reserved; without it SWITCHBOARD_WEB_SEARCH_RESERVE searches are', async () => {
    const calls = world.openai.requests.length;
    const body = { model: GPT, max_output_tokens: 16, tools: [{ type: 'web_search' }], input: 'search search' };
    // (OpenAI's least max_output_tokens is 16.) max_tool_calls 20: $16 + 20 × $10 = $216, more than the whole budget.
    const capped = await post('/v1/responses', { ...body, max_tool_calls: 20 });
    assert.equal(capped.status, 429);
    assert.equal(capped.code, 'insufficient_quota');
    assert.match(capped.message ?? '', /Budget 'gpt-room' is exhausted .*may cost up to \$216\.00/);
    // No cap: $16 + 3 × $10 = $46 each, 2 of 6 fit.
    const answers = await Promise.all(Array.from({ length: 6 }, () => post('/v1/responses', body)));
    assert.deepEqual(tally(answers), { admitted: 2, refused: 4 });
    for (const answer of answers.filter((one) => one.status === 429)) assert.match(answer.message ?? '', /may cost up to \$46\.00/);
    assert.equal(world.openai.requests.length, calls + 2, 'refused before the vendor');
    // 2 searches ($20) and "Echo: search search" (3 tokens) each.
    assert.deepEqual(await settled(GPT, 2), { cost: 46, searches: 4 });
    await within(3000, () => Promise.resolve(budgetSpent('gpt-room') === 46));
  });

  it('/v1/responses on a row that drops the web search tool: nothing is reserved for it', async () => {
    // $16 of output fits the $20 budget; with 3 searches at $10 it would not. The tool never reaches OpenAI.
    const answer = await post('/v1/responses', { model: GPT_DROPPED, max_output_tokens: 16, tools: [{ type: 'web_search' }], input: 'search once' });
    assert.equal(answer.status, 200, JSON.stringify(answer));
    assert.deepEqual((world.openai.requests.at(-1)?.body as { tools?: unknown }).tools ?? [], []);
  });
});
