// A vendor's embeddings usage is taken like its chat usage (found by an attack review): a whole
// number, at most MAX_REPORTED_TOKENS. A hostile or broken Cohere upstream's `input_tokens: 1e15`
// was a ledger row costing $1.25 billion, charged to the project's budgets, and `1.5` made the
// pricing throw, so the call left no row at all. The strict Cohere mock answers the counts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_REPORTED_TOKENS } from '../../src/providers/shared/usage-buckets.js';
import { ledgerRows, PRICES, pricingJson, startLedgerStack, type LedgerStack } from './ledger-harness.js';

const embedAnswer = (inputTokens: number) => ({
  status: 200,
  body: {
    id: 'e1',
    embeddings: { float: [[0.1, 0.2, 0.3]] },
    texts: ['hello'],
    meta: { api_version: { version: '2' }, billed_units: { input_tokens: inputTokens } },
    response_type: 'embeddings_by_type',
  },
});

describe("a vendor's embeddings counts in the ledger", () => {
  let stack: LedgerStack;
  before(async () => {
    stack = await startLedgerStack();
    await stack.db.query(`update public.ai_models set pricing = $1 where name = 'lib-cohere-embed'`, [pricingJson(PRICES)]);
    await stack.switchboard.reload();
  });
  after(async () => {
    await stack?.close();
  });

  /** The ledger rows of one call whose vendor reports `inputTokens`, and the count the caller got. */
  async function rowFor(inputTokens: number, requestId: string) {
    stack.mocks.cohere.failNext(embedAnswer(inputTokens));
    const answer = await stack.switchboard.embed({ model: 'lib-cohere-embed', input: ['hello'] }, { requestId });
    await stack.switchboard.service.usage?.flush();
    return { rows: await ledgerRows(stack.db, `request_id = $1`, [requestId]), told: answer.usage.inputTokens };
  }

  test('a count of 1e15 is taken as MAX_REPORTED_TOKENS, in the ledger and by the caller', async () => {
    const { rows, told } = await rowFor(1e15, 'huge-embed');
    assert.equal(rows[0]?.input_tokens, String(MAX_REPORTED_TOKENS));
    assert.equal(told, MAX_REPORTED_TOKENS);
  });

  test('a fractional count still leaves one priced row', async () => {
    const { rows, told } = await rowFor(1.5, 'fractional-embed');
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0]?.input_tokens, rows[0]?.usage_source], ['1', 'provider']);
    assert.equal(told, 1);
  });

  test('a negative count is not told to the caller: the ledger estimates the call, and the caller is told that estimate', async () => {
    const { rows, told } = await rowFor(-5, 'negative-embed');
    assert.equal(rows[0]?.usage_source, 'estimated');
    assert.ok(told > 0, `told ${told}`);
    assert.equal(told, Number(rows[0]?.input_tokens));
  });
});
