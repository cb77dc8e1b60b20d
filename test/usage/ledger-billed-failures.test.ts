// A generation the vendor gave up on but still bills: Cohere's answer or stream ending with
// finish_reason ERROR or TIMEOUT (HTTP 200) carries `usage`. The caller gets a retryable 502/504 and
// a route retries it, while the attempt's ledger row holds the vendor's billed counts (source
// 'provider'), neither nothing nor an estimate. Same on PGlite and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProviderError } from '../../src/errors.js';
import type { ChatMessage } from '../../src/providers/spec/index.js';
import { collect, user } from '../library/library-harness.js';
import { createRoute } from '../routing/routing-harness.js';
import { expectedCostPico, ledgerRows, PRICES, rowBuckets, scaled, startLedgerStack, type LedgerStack } from './ledger-harness.js';

const messages: ChatMessage[] = [user('tell me about usage ledgers')];
// Billed units differ from the processed tokens (which count Cohere's prompt template): the row holds the billed ones.
const usage = { billed_units: { input_tokens: 17, output_tokens: 9 }, tokens: { input_tokens: 245, output_tokens: 9 } };
const gaveUp = (finishReason: 'ERROR' | 'TIMEOUT') => ({
  status: 200,
  body: { id: 'b2b6f1c4-5a1e-4c0e-9a43-0d7f3f7f2a11', message: { role: 'assistant', content: [{ type: 'text', text: 'Usage ledgers record' }] }, finish_reason: finishReason, usage },
});

describe('failures the vendor bills are recorded with its usage', () => {
  let stack: LedgerStack;
  before(async () => {
    stack = await startLedgerStack();
  });
  after(async () => {
    await stack?.close();
  });

  async function rowsOf(requestId: string) {
    await stack.switchboard.service.usage?.flush();
    // ledgerRows and this read the rows in the same order (by id).
    const extra = await stack.db.query<{ attempt: number; error_code: string | null }>(`select attempt, error_code from public.ai_usage where request_id = $1 order by id`, [requestId]);
    const rows = await ledgerRows(stack.db, `request_id = $1`, [requestId]);
    return rows.map((row, index) => ({ ...row, ...extra.rows[index] })).sort((a, b) => (a.attempt ?? 0) - (b.attempt ?? 0));
  }

  for (const [reason, code, status] of [['ERROR', 'provider_error', 502], ['TIMEOUT', 'provider_timeout', 504]] as const) {
    test(`a JSON answer with finish_reason ${reason}: a retryable ${status} to the caller, the billed units in the ledger`, async () => {
      const { switchboard, mocks } = stack;
      const requestId = `billed-${reason}`;
      mocks.cohere.failNext(gaveUp(reason));
      const error = await switchboard.chat({ model: 'lib-command', messages }, { requestId }).then(
        () => assert.fail('the call succeeded'),
        (thrown: unknown) => thrown,
      );
      assert.ok(error instanceof ProviderError, String(error));
      assert.deepEqual([error.code, error.status, error.isRetryable, error.upstreamCode], [code, status, true, reason]);
      const [row, extra] = await rowsOf(requestId);
      assert.ok(row && !extra, 'one row');
      assert.deepEqual([row.status, row.error_code, row.usage_source, row.streamed], [status, code, 'provider', false]);
      assert.deepEqual([row.input_tokens, row.output_tokens], ['17', '9']);
      assert.deepEqual(row.raw_usage, usage);
      assert.equal(scaled(row.cost_usd ?? '0', 12), expectedCostPico(rowBuckets(row), PRICES));
    });
  }

  test('a stream ending with finish_reason ERROR: the row holds the usage of its message-end', async () => {
    const { switchboard, mocks } = stack;
    mocks.cohere.failNextStream({ afterChunks: 2 });
    const parts = await collect(switchboard.stream({ model: 'lib-command', messages }, { requestId: 'billed-stream' })).catch((error: unknown) => [error]);
    assert.ok(parts.some((part) => typeof part === 'object' && part !== null && 'type' in part && part.type === 'text-delta'), 'text went out first');
    const [row, extra] = await rowsOf('billed-stream');
    assert.ok(row && !extra, 'one row');
    assert.deepEqual([row.status, row.error_code, row.usage_source, row.streamed, row.incomplete], [502, 'provider_error', 'provider', true, true]);
    // The mock bills the words of the messages as input and of the whole answer ("Echo: tell me about usage ledgers") as output.
    assert.deepEqual([row.input_tokens, row.output_tokens], ['5', '6']);
    assert.equal(scaled(row.cost_usd ?? '0', 12), expectedCostPico(rowBuckets(row), PRICES));
  });

  test('a route retries the failure on its next target; each attempt is a row, the failed one with its billed units', async () => {
    const { switchboard, mocks, db } = stack;
    await createRoute(db, 'command-then-gpt', { 'lib-command': [1, 0], 'lib-gpt': [1, 1] });
    await switchboard.reload();
    mocks.cohere.failNext(gaveUp('ERROR'));
    const response = await switchboard.chat({ model: 'command-then-gpt', messages }, { requestId: 'billed-routed' });
    assert.match(response.choices[0]?.content ?? '', /^Echo: /);
    const rows = await rowsOf('billed-routed');
    assert.deepEqual(
      rows.map((row) => [row.attempt, row.model_name, row.status, row.error_code, row.usage_source]),
      [
        [1, 'lib-command', 502, 'provider_error', 'provider'],
        [2, 'lib-gpt', 200, null, 'provider'],
      ],
    );
    assert.deepEqual([rows[0]?.input_tokens, rows[0]?.output_tokens], ['17', '9']);
  });
});
