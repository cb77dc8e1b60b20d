// What a client pays for what it read. A native stream (an Anthropic model on /v1/messages, an
// OpenAI model on /v1/responses) cut by the client before the vendor's final usage event is charged
// the text it delivered, estimated, against the ledger and the budget: reading a whole answer and
// closing the connection before the last event used to cost $0 (Responses) or the input only
// (Anthropic). And a chat call's `n` choices each reserve their output. PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnthropicMock } from '../mock-vendors/anthropic.js';
import { addAnthropicModel, ANTHROPIC_ENV, createWorld, MODELS, within, type Instance, type World } from './governed-gateways.js';

const CLAUDE = 'cut-claude';
const PROMPT = 'one two three four five six seven eight';

interface Row {
  endpoint: string;
  status: number;
  usage_source: string;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_usd: string;
}

/**
 * Reads SSE off `response` until an event named `until` has arrived, then aborts the request.
 * Returns the texts `pattern` (one capture group) finds in what was read.
 */
async function readThenCut(response: Response, controller: AbortController, until: string, pattern: RegExp): Promise<string> {
  assert.equal(response.status, 200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(`event: ${until}\n`)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before '${until}'`);
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  await reader.cancel().catch(() => undefined);
  return [...text.matchAll(pattern)].map((match) => match[1]).join('');
}

describe('a native stream cut by the client is charged what it delivered', () => {
  let world: World;
  let anthropic: AnthropicMock;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    // Input free, $1 per output token (as the world's OpenAI rows): a row's cost is its output tokens.
    anthropic = await addAnthropicModel(world, CLAUDE, { input: 0, output: 1 });
    await world.db.query(`insert into public.ai_budgets (name, project_id, limit_usd) values ('cut-budget', $1, 1000)`, [world.projectId]);
    gateway = await world.start({ env: ANTHROPIC_ENV });
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 1));
  });
  after(async () => {
    await world?.close();
    await anthropic?.close();
  });

  /** The ledger rows of `endpoint` that ended with `status`, once there are `count`. */
  async function rowsOf(endpoint: string, status: number, count: number): Promise<Row[]> {
    let rows: Row[] = [];
    await within(5000, async () => {
      await gateway.switchboard.service.usage?.flush();
      const result = await world.db.query<Row>(
        `select endpoint, status, usage_source, input_tokens::int as input_tokens, output_tokens::int as output_tokens,
                reasoning_tokens::int as reasoning_tokens, cost_usd::text as cost_usd
           from public.ai_usage where endpoint = $1 and status = $2 order by started_at`,
        [endpoint, status],
      );
      rows = result.rows;
      return rows.length >= count;
    });
    return rows;
  }

  /** The budget's spend as this instance counts it (the ledger's costs settle its reservations). */
  function budgetSpent(): number {
    const line = /switchboard_governance_spent\{kind="budget",name="cut-budget",metric="usd"\} ([\d.]+)/.exec(gateway.switchboard.governor?.metricsText() ?? '');
    // No line before the budget's first call: nothing spent yet.
    return Number(line?.[1] ?? 0);
  }

  it("/v1/responses on an OpenAI model, completed: the vendor's usage is recorded and charged, reasoning included", async () => {
    const spentBefore = budgetSpent();
    for (const stream of [false, true]) {
      const response = await fetch(`${gateway.origin}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${world.key.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODELS[0], input: PROMPT, stream, reasoning: { effort: 'low' } }),
      });
      assert.equal(response.status, 200);
      await response.text();
    }
    const recorded = await rowsOf('responses', 200, 2);
    assert.equal(recorded.length, 2);
    // The mock reports 8 input words, 9 output words and 7 reasoning tokens: $1 per output or reasoning token.
    for (const row of recorded) {
      assert.deepEqual(
        { status: row.status, source: row.usage_source, input: row.input_tokens, output: row.output_tokens, reasoning: row.reasoning_tokens, cost: Number(row.cost_usd) },
        { status: 200, source: 'provider', input: 8, output: 9, reasoning: 7, cost: 16 },
      );
    }
    await within(10_000, () => Promise.resolve(budgetSpent() - spentBefore === 32));
  });

  it('/v1/responses on an OpenAI model: read to the last text delta, cut before response.completed', async () => {
    const spentBefore = budgetSpent();
    world.openai.hangNextStream({ afterChunks: 0 });
    const controller = new AbortController();
    const response = await fetch(`${gateway.origin}/v1/responses`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${world.key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODELS[0], input: PROMPT, stream: true }),
    });
    const delivered = await readThenCut(response, controller, 'response.output_text.done', /"delta":"([^"]*)"/g);
    assert.equal(delivered, `Echo: ${PROMPT}`);

    const [row] = await rowsOf('responses', 499, 1);
    assert.equal(row?.status, 499);
    assert.equal(row?.usage_source, 'estimated');
    // "Echo: one two … eight" is 10 o200k tokens; the input (the body's texts) is estimated too.
    assert.ok(row !== undefined && row.output_tokens >= 9 && row.output_tokens <= 14, JSON.stringify(row));
    assert.ok(row.input_tokens > 0, JSON.stringify(row));
    assert.equal(Number(row.cost_usd), row.output_tokens);
    await within(10_000, () => Promise.resolve(budgetSpent() - spentBefore === row.output_tokens));
  });

  it('/v1/messages on an Anthropic model: read every delta, cut before message_delta', async () => {
    const spentBefore = budgetSpent();
    anthropic.hangNextStream({ afterChunks: 100 });
    const controller = new AbortController();
    const response = await fetch(`${gateway.origin}/v1/messages`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'x-api-key': world.key.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: CLAUDE, max_tokens: 64, stream: true, messages: [{ role: 'user', content: PROMPT }] }),
    });
    const delivered = await readThenCut(response, controller, 'content_block_stop', /"text":"([^"]*)"/g);
    assert.equal(delivered, `Echo: ${PROMPT}`);

    const [row] = await rowsOf('messages', 499, 1);
    assert.equal(row?.status, 499);
    assert.equal(row?.usage_source, 'estimated');
    // The input is what message_start reported (the mock counts words: 8); the output is estimated
    // from the text delivered, not message_start's 1.
    assert.equal(row?.input_tokens, 8);
    assert.ok(row !== undefined && row.output_tokens >= 9 && row.output_tokens <= 14, JSON.stringify(row));
    assert.equal(Number(row.cost_usd), row.output_tokens);
    await within(10_000, () => Promise.resolve(budgetSpent() - spentBefore === row.output_tokens));
  });
});

describe("a chat call's n choices each reserve their output", () => {
  let world: World;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    // $1 per output token: max_tokens 5 reserves $5 per choice.
    await world.db.query(`insert into public.ai_budgets (name, project_id, limit_usd) values ('n-budget', $1, 12)`, [world.projectId]);
    gateway = await world.start();
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 1));
  });
  after(async () => {
    await world?.close();
  });

  async function chatWithChoices(n: number): Promise<{ status: number; code: string | undefined; choices: number }> {
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODELS[0], max_tokens: 5, n, messages: [{ role: 'user', content: 'a b c d' }] }),
    });
    const body = (await response.json()) as { error?: { code: string }; choices?: unknown[] };
    return { status: response.status, code: body.error?.code, choices: body.choices?.length ?? 0 };
  }

  it('n = 3 at $5 each is refused by a $12 budget before the vendor is called; n = 2 is admitted', async () => {
    const calls = world.openai.requests.length;
    assert.deepEqual(await chatWithChoices(3), { status: 429, code: 'insufficient_quota', choices: 0 });
    assert.equal(world.openai.requests.length, calls, 'refused before the vendor');
    const admitted = await chatWithChoices(2);
    assert.equal(admitted.status, 200);
    assert.equal(world.openai.requests.length, calls + 1);
  });
});
