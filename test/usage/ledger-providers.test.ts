// Every provider class, whole and streamed, through the library: one ledger row per call whose
// buckets equal the vendor's usage (read from the raw object the row keeps, with each vendor's
// rule written out here again) and whose cost equals buckets × prices exactly. Same on PGlite and
// Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatMessage } from '../../src/providers/spec/index.js';
import { CLASS_CASES, collect, user } from '../library/library-harness.js';
import { expectedCostPico, ledgerRows, PRICES, rowBuckets, scaled, startLedgerStack, type Buckets, type LedgerStack } from './ledger-harness.js';

const PROJECT = '44444444-4444-4444-8444-444444444444';
// 'cache' → cached input, 'cache-write' → Anthropic cache writes, 'think' → reasoning tokens.
const messages: ChatMessage[] = [{ role: 'system', content: 'cache-write think' }, user('hello there ledger')];

const n = (value: unknown): bigint => BigInt(typeof value === 'number' ? value : 0);
const obj = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});

/** Each vendor's usage rule, independently of src/usage. */
function vendorBuckets(className: string, raw: Record<string, unknown>): Buckets {
  switch (className) {
    case 'AnthropicProvider': {
      const creation = obj(raw['cache_creation']);
      return {
        input: n(raw['input_tokens']),
        cached: n(raw['cache_read_input_tokens']),
        write5m: n(creation['ephemeral_5m_input_tokens']),
        write1h: n(creation['ephemeral_1h_input_tokens']),
        output: n(raw['output_tokens']),
        reasoning: 0n,
      };
    }
    case 'GoogleProvider':
      return {
        input: n(raw['promptTokenCount']) - n(raw['cachedContentTokenCount']),
        cached: n(raw['cachedContentTokenCount']),
        write5m: 0n,
        write1h: 0n,
        output: n(raw['candidatesTokenCount']),
        reasoning: n(raw['thoughtsTokenCount']),
      };
    case 'CohereProvider': {
      const billed = obj(raw['billed_units']);
      return { input: n(billed['input_tokens']), cached: 0n, write5m: 0n, write1h: 0n, output: n(billed['output_tokens']), reasoning: 0n };
    }
    default: {
      const cached = n(obj(raw['prompt_tokens_details'])['cached_tokens']);
      const reasoning = n(obj(raw['completion_tokens_details'])['reasoning_tokens']);
      return {
        input: n(raw['prompt_tokens']) - cached,
        cached,
        write5m: 0n,
        write1h: 0n,
        output: n(raw['completion_tokens']) - reasoning,
        reasoning,
      };
    }
  }
}

describe('ledger rows per provider class', () => {
  let stack: LedgerStack;
  before(async () => {
    stack = await startLedgerStack();
  });
  after(async () => {
    await stack?.close();
  });

  for (const testCase of CLASS_CASES) {
    test(`${testCase.className}: whole and streamed calls are recorded with the vendor's buckets and the exact cost`, async () => {
      const { switchboard, db } = stack;
      const context = { projectId: PROJECT, requestId: `whole-${testCase.className}` };
      await switchboard.chat({ model: testCase.chatModel, messages }, context);
      const parts = await collect(switchboard.stream({ model: testCase.chatModel, messages }, { ...context, requestId: `stream-${testCase.className}` }));
      assert.equal(parts.at(-1)?.type, 'finish');
      await switchboard.service.usage?.flush();

      const rows = await ledgerRows(db, `request_id like '%-' || $1`, [testCase.className]);
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.equal(row.usage_source, 'provider');
        assert.equal(row.status, 200);
        assert.equal(row.project_id, PROJECT);
        assert.ok(row.raw_usage, 'the raw vendor usage is kept');
        const buckets = rowBuckets(row);
        assert.deepEqual(buckets, vendorBuckets(testCase.className, row.raw_usage));
        assert.ok(row.cost_usd !== null);
        assert.equal(scaled(row.cost_usd, 12), expectedCostPico(buckets, PRICES));
        assert.ok(row.price_id !== null, 'the row points at the price it used');
      }
      const [whole, streamed] = rows as [(typeof rows)[0], (typeof rows)[0]];
      assert.deepEqual([whole.streamed, streamed.streamed], [false, true]);
      // Stream usage is cumulative: the last value, never a sum, so it matches the whole answer's.
      assert.deepEqual(rowBuckets(streamed), rowBuckets(whole));
      assert.ok(streamed.ttft_ms !== null && streamed.ttft_ms >= 0);
      const b = rowBuckets(whole);
      if (testCase.className !== 'CohereProvider') assert.ok(b.cached > 0n, 'cached input is priced at its own rate');
      if (testCase.className === 'AnthropicProvider') assert.ok(b.write5m > 0n, 'cache writes are priced at their own rate');
      if (['OpenAIProvider', 'GoogleProvider', 'CustomProvider'].includes(testCase.className)) assert.ok(b.reasoning > 0n, 'reasoning is its own bucket');
    });
  }

  test('the hourly rollups hold exactly the sums of the rows', async () => {
    await stack.switchboard.service.usage?.flush();
    const rows = await stack.db.query<{ requests: string; cost: string; input: string; reasoning: string }>(
      `select count(*)::text as requests, sum(cost_usd)::text as cost, sum(input_tokens)::text as input, sum(reasoning_tokens)::text as reasoning
         from public.ai_usage`,
    );
    const rollups = await stack.db.query<{ requests: string; cost: string; input: string; reasoning: string }>(
      `select sum(requests)::text as requests, sum(cost_usd)::text as cost, sum(input_tokens)::text as input, sum(reasoning_tokens)::text as reasoning
         from public.ai_usage_hourly`,
    );
    assert.equal(rows.rows[0]?.requests, String(CLASS_CASES.length * 2));
    assert.deepEqual(rollups.rows[0], rows.rows[0]);
  });
});
