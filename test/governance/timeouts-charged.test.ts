// A call the gateway gives up waiting on (the first-byte or idle timeout, a route's deadline) was
// received by the vendor, which went on generating and likely bills it: it is estimated and charged
// like a client's cut, not recorded at $0 (a key could otherwise run long calls past the timeout
// for free, one after the other). A vendor's own 504 answer generated nothing and stays free.
// PGlite and Postgres (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWorld, within, type Instance, type World } from './governed-gateways.js';

const SLOW = 'gov-slow';
const PROMPT = 'one two three four five six seven eight';

interface Row {
  status: number;
  error_code: string | null;
  usage_source: string;
  input_tokens: number;
  cost_usd: string;
}

describe('calls cut by a timeout are charged their estimate', () => {
  let world: World;
  let gateway: Instance;

  before(async () => {
    world = await createWorld();
    // $1 per input token; a stream that sends nothing for 300 ms is cut.
    await world.db.query(
      `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars, pricing, config)
       values ('gov-slow-openai', 'OpenAIProvider', $1, '["GOV_OPENAI_API_KEY"]'::jsonb, '{"input_per_mtok": 1000000, "output_per_mtok": 0}'::jsonb,
               '{"timeouts": {"idle_ms": 300}}'::jsonb)`,
      [world.openai.baseUrl],
    );
    await world.db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o-mini' from public.ai_providers where name = 'gov-slow-openai'`, [SLOW]);
    gateway = await world.start();
  });
  after(async () => {
    await world?.close();
  });

  async function lastRow(): Promise<Row> {
    let row: Row | undefined;
    await within(5000, async () => {
      await gateway.switchboard.service.usage?.flush();
      const result = await world.db.query<Row>(
        `select status, error_code, usage_source, input_tokens::int as input_tokens, cost_usd::text as cost_usd
           from public.ai_usage where model_name = $1 order by started_at desc limit 1`,
        [SLOW],
      );
      row = result.rows[0];
      return row !== undefined;
    });
    return row as Row;
  }

  it('a stream the vendor stops feeding: 504 to the client, the input estimated and charged', async () => {
    world.openai.hangNextStream({ afterChunks: 0 });
    const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: SLOW, stream: true, messages: [{ role: 'user', content: PROMPT }] }),
    });
    const text = await response.text();
    assert.match(text, /provider_timeout|timed out/);
    const row = await lastRow();
    assert.equal(row.error_code, 'provider_timeout');
    assert.equal(row.usage_source, 'estimated');
    assert.ok(row.input_tokens >= 8, `${row.input_tokens} input tokens`);
    assert.equal(Number(row.cost_usd), row.input_tokens, '$1 per input token');
  });
});
