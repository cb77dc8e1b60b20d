// A reservation covers what the vendor will bill, not only the messages' text: tool definitions (a
// 4 MB tool description with `max_tokens: 1` used to reserve a few tokens while the vendor billed a
// million), images, and thinking (within the client's limit, which is reserved and sent as it is).
// Each is refused by a budget before the vendor is called when it cannot fit. PGlite and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnthropicMock } from '../mock-vendors/anthropic.js';
import { addAnthropicModel, ANTHROPIC_ENV, createWorld, within, type Instance, type World } from './governed-gateways.js';

const CLAUDE = 'res-claude';
const THINKER = 'res-claude-thinker';
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

describe('reservations count tools, images and thinking', () => {
  let world: World;
  let anthropic: AnthropicMock;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    // Claude: $1 per input token, output free.
    anthropic = await addAnthropicModel(world, CLAUDE, { input: 1, output: 0 });
    // The same vendor model with room for thinking, output at $1 per token.
    await world.db.query(
      `insert into public.ai_models (name, provider_id, model_id, max_tokens, pricing)
       select $1, id, 'claude-sonnet-4-5', 64000, '{"input_per_mtok": 0, "output_per_mtok": 1000000}' from public.ai_providers where name = 'gov-anthropic'`,
      [THINKER],
    );
    await world.db.query(`insert into public.ai_budgets (name, project_id, limit_usd) values ('res-budget', $1, 2000)`, [world.projectId]);
    gateway = await world.start({ env: ANTHROPIC_ENV });
    await within(10_000, () => Promise.resolve(gateway.switchboard.governor?.rules.all().length === 1));
  });
  after(async () => {
    await world?.close();
    await anthropic?.close();
  });

  async function chat(body: Record<string, unknown>): Promise<{ status: number; code: string | undefined }> {
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: answer.error?.code };
  }

  it('tool definitions: a long tool description is input the budget must cover', async () => {
    const calls = anthropic.requests.length;
    const question = { model: CLAUDE, max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] };
    const description = 'Returns the definitions of a word from the dictionary. '.repeat(300);
    const tools = [{ type: 'function', function: { name: 'lookup', description, parameters: { type: 'object', properties: {} } } }];
    assert.deepEqual(await chat({ ...question, tools }), { status: 429, code: 'insufficient_quota' });
    assert.equal(anthropic.requests.length, calls, 'refused before the vendor');
    assert.equal((await chat(question)).status, 200, 'the same call without the tools fits');
  });

  it('images: each is reserved at a fixed share, not at nothing', async () => {
    const calls = anthropic.requests.length;
    const content = [{ type: 'text', text: 'what is it?' }, { type: 'image_url', image_url: { url: PNG } }];
    assert.deepEqual(await chat({ model: CLAUDE, max_tokens: 1, messages: [{ role: 'user', content }] }), { status: 429, code: 'insufficient_quota' });
    assert.equal(anthropic.requests.length, calls, 'refused before the vendor');
  });

  it("reasoning: the client's limit bounds thinking too; it is what is reserved and what Anthropic gets", async () => {
    const calls = anthropic.requests.length;
    const ask = (maxTokens: number) => chat({ model: THINKER, max_tokens: maxTokens, reasoning_effort: 'high', messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(await ask(2500), { status: 429, code: 'insufficient_quota' });
    assert.equal(anthropic.requests.length, calls, 'refused before the vendor');
    assert.equal((await ask(1900)).status, 200, '1,900 output tokens fit the $2,000 budget, thinking included');
    const sent = anthropic.requests.at(-1)?.body as { max_tokens: number; thinking?: unknown };
    assert.deepEqual([sent.max_tokens, sent.thinking], [1900, { type: 'enabled', budget_tokens: 1024 }]);
  });
});
