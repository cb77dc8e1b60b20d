// An embeddings call the gateway sends in several batches (Gemini: 100 texts a call, Cohere: 96;
// test/usage/ledger-embed-split.test.ts for the splitting itself)
// and whose later batch fails is charged the batches the vendor answered (found by an attack
// review). Before, the call's ledger row was a failure with 0 tokens and no cost: one empty string
// at the end of 2,048 inputs (Gemini refuses it) made Gemini embed, and bill, 2,047 texts the
// project's budgets never saw, as often as the tenant liked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { estimateTextTokens } from '../../src/usage/estimate-tokens.js';
import { ledgerRows, startLedgerStack, type LedgerStack } from './ledger-harness.js';

const text = (index: number) => `passage ${index} about the quarterly report and its figures`;

describe('an embeddings call whose later batch fails', () => {
  let stack: LedgerStack;
  before(async () => {
    stack = await startLedgerStack();
  });
  after(async () => {
    await stack?.close();
  });

  async function failedRow(model: string, input: string[], requestId: string) {
    await assert.rejects(stack.switchboard.embed({ model, input }, { requestId }));
    await stack.switchboard.service.usage?.flush();
    const rows = await ledgerRows(stack.db, `request_id = $1`, [requestId]);
    assert.equal(rows.length, 1);
    return rows[0]!;
  }

  test('Gemini: the batches it embedded are charged, estimated', async () => {
    const before = stack.mocks.google.requests.length;
    const embedded = Array.from({ length: 200 }, (_unused, index) => text(index));
    const row = await failedRow('lib-gemini-embed', [...embedded, ''], 'gemini-partial-batches');
    // Three batches reached the vendor; the last one (the empty text) was refused.
    assert.equal(stack.mocks.google.requests.length - before, 3);
    assert.equal(row.status, 400);
    assert.equal(row.usage_source, 'estimated');
    assert.equal(Number(row.input_tokens), await estimateTextTokens(embedded));
    assert.ok(Number(row.cost_usd) > 0, `cost ${row.cost_usd}`);
  });

  test('Cohere: the batches it embedded are charged, estimated', async () => {
    const embedded = Array.from({ length: 96 }, (_unused, index) => text(index));
    // The second batch is refused, whichever of the two (sent together) arrives first.
    stack.mocks.cohere.failNextFor('the last text', { status: 429, body: { id: 'e2', message: 'You are using a Trial key, which is limited to 100 API calls / minute.' } });
    const row = await failedRow('lib-cohere-embed', [...embedded, 'the last text'], 'cohere-partial-batches');
    assert.equal(row.status, 429);
    assert.equal(row.usage_source, 'estimated');
    assert.equal(Number(row.input_tokens), await estimateTextTokens(embedded));
    assert.ok(Number(row.cost_usd) > 0, `cost ${row.cost_usd}`);
  });

  test('a first batch refused charges nothing, as before', async () => {
    const row = await failedRow('lib-gemini-embed', ['', text(1)], 'gemini-first-batch-refused');
    assert.deepEqual([row.status, row.input_tokens], [400, '0']);
  });
});
