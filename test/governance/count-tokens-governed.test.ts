// count_tokens under governance: counting generates nothing and is free, so it takes no tokens, no
// budget and no ledger row, but it is a request: the key's model access and its requests-per-minute
// limits apply (before the vendor's count endpoint is called or the tokenizer runs), and the answer
// carries the x-ratelimit-* headers. PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnthropicMock } from '../mock-vendors/anthropic.js';
import { addAnthropicModel, ANTHROPIC_ENV, awayFromMinuteEnd, chat, createWorld, MODELS, within, type Instance, type World } from './governed-gateways.js';

const CLAUDE = 'gov-claude';

interface CountResult {
  status: number;
  headers: Headers;
  body: { input_tokens?: number; type?: string; error?: { type: string; message: string } };
}

async function countTokens(origin: string, key: string, model: string): Promise<CountResult> {
  const response = await fetch(`${origin}/v1/messages/count_tokens`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'How many tokens is this?' }] }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as CountResult['body'] };
}

describe('count_tokens under budgets, rate limits and model access', () => {
  let world: World;
  let anthropic: AnthropicMock;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    anthropic = await addAnthropicModel(world, CLAUDE, { input: 1, output: 1 });
    gateway = await world.start({ env: ANTHROPIC_ENV });
  });
  after(async () => {
    await world?.close();
    await anthropic?.close();
  });

  async function ledgerRows(): Promise<number> {
    await gateway.switchboard.service.usage?.flush();
    const rows = await world.db.query<{ n: string }>(`select count(*)::text as n from public.ai_usage`);
    return Number(rows.rows[0]?.n);
  }

  it('takes one request per call from requests-per-minute, no tokens, no budget, no ledger row; the 4th of 3 is refused before the vendor is called', async () => {
    await awayFromMinuteEnd(15);
    // A token limit and a budget that no generation call could pass: counting takes neither.
    await world.db.query(
      `insert into public.ai_rate_limits (name, project_id, api_key_id, requests_per_minute, tokens_per_minute) values ('count-rpm', $1, $2, 3, 1)`,
      [world.projectId, world.key.id],
    );
    await world.db.query(`insert into public.ai_budgets (name, project_id, limit_usd) values ('count-budget', $1, 0.000001)`, [world.projectId]);
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.rateLimitCount === 1 && gateway.switchboard.governor.rules.all().length === 2));
    const rowsBefore = await ledgerRows();
    const vendorCountsBefore = anthropic.requests.filter((request) => request.url === '/v1/messages/count_tokens').length;

    const results = [await countTokens(gateway.origin, world.key.key, CLAUDE), await countTokens(gateway.origin, world.key.key, MODELS[0]), await countTokens(gateway.origin, world.key.key, CLAUDE)];
    assert.deepEqual(
      results.map((result) => `${result.status}:${result.headers.get('x-ratelimit-remaining-requests')}`),
      ['200:2', '200:1', '200:0'],
    );
    for (const result of results) {
      assert.ok(typeof result.body.input_tokens === 'number' && result.body.input_tokens > 0, JSON.stringify(result.body));
      assert.equal(result.headers.get('x-ratelimit-limit-requests'), '3');
    }
    const refused = await countTokens(gateway.origin, world.key.key, CLAUDE);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.type, 'error');
    assert.equal(refused.body.error?.type, 'rate_limit_error');
    assert.match(refused.body.error?.message ?? '', /count-rpm/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal(refused.headers.get('x-ratelimit-remaining-requests'), '0');
    // The vendor counted the two admitted Claude calls, not the refused one.
    assert.equal(anthropic.requests.filter((request) => request.url === '/v1/messages/count_tokens').length, vendorCountsBefore + 2);
    // The same minute's requests are gone for generation calls too (refused on requests, checked first).
    const chatRefused = await chat(gateway.origin, world.key.key);
    assert.equal(chatRefused.status, 429);
    assert.match(chatRefused.body.error?.message ?? '', /3 requests per minute/);
    assert.equal(await ledgerRows(), rowsBefore + 1, 'only the refused chat call is a ledger row');

    await world.db.query(`delete from public.ai_rate_limits`);
    await world.db.query(`delete from public.ai_budgets`);
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 0));
  });

  it("a model outside the key's list: 403 permission_error, for the estimate and the vendor's count alike, with no vendor call", async () => {
    await world.db.query(`update public.api_keys set allowed_models = $1 where id = $2`, [[MODELS[1]], world.key.id]);
    await within(10_000, async () => (await countTokens(gateway.origin, world.key.key, MODELS[0])).status === 403);
    const vendorBefore = anthropic.requests.length;
    for (const model of [MODELS[0], CLAUDE]) {
      const refused = await countTokens(gateway.origin, world.key.key, model);
      assert.equal(refused.status, 403, model);
      assert.equal(refused.body.error?.type, 'permission_error');
      assert.match(refused.body.error?.message ?? '', /not allowed/);
    }
    assert.equal(anthropic.requests.length, vendorBefore);
    assert.equal((await countTokens(gateway.origin, world.key.key, MODELS[1])).status, 200);
    await world.db.query(`update public.api_keys set allowed_models = null where id = $1`, [world.key.id]);
  });
});
