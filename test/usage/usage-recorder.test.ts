// The recorder settles ended attempts in a batch after the event-loop turn. Nothing of that may
// show: a reader sees every ended attempt at once, and one row that cannot be priced is logged
// with its request id without failing the request that ended it or losing the others' rows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PriceBook } from '../../src/registry/price-book.js';
import { UsageRecorder } from '../../src/usage/usage-recorder.js';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import { ledgerRows, startLedgerStack, type LedgerStack } from './ledger-harness.js';

describe('usage recorder batches', () => {
  let stack: LedgerStack;
  before(async () => {
    stack = await startLedgerStack();
  });
  after(async () => {
    await stack?.close();
  });

  test('attempts ended in one turn are all seen at once, and a row that cannot be priced is logged without losing the others', async () => {
    const { switchboard, db } = stack;
    const { model, provider } = switchboard.service.resolve('lib-gpt');
    const logged: string[] = [];
    let pricings = 0;
    const prices = (): PriceBook => {
      pricings += 1;
      if (pricings === 2) throw new Error('price book unavailable');
      return switchboard.watcher.snapshot.prices;
    };
    const recorder = new UsageRecorder({ writer: new UsageWriter(db, { flushIntervalMs: 60_000 }), prices, log: (_level, message) => logged.push(message) });
    const usage = { inputTokens: 10, outputTokens: 4, totalTokens: 14, buckets: { input: 10, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 4, reasoning: 0 }, raw: { prompt_tokens: 10 } };
    for (const requestId of ['batch-1', 'batch-2', 'batch-3']) {
      const attempt = recorder.begin({ requestId, projectId: null, apiKeyId: null, receivedAt: undefined, signal: undefined }, 'lib-gpt', 'chat', false, model, provider);
      assert.doesNotThrow(() => attempt.end({ status: 200, errorCode: null, incomplete: false, usage, estimate: undefined }));
    }
    // Read in the same turn: the two rows that could be priced wait in the writer's buffer.
    assert.equal(recorder.stats().buffered, 2);
    assert.equal(logged.length, 1);
    assert.match(logged[0] ?? '', /request 'batch-2' could not be recorded: price book unavailable/);

    await recorder.close();
    const rows = await ledgerRows(db, `request_id like 'batch-%'`);
    assert.deepEqual(rows.map((row) => [row.request_id, row.input_tokens, row.output_tokens, row.cost_usd !== null]).sort(), [
      ['batch-1', '10', '4', true],
      ['batch-3', '10', '4', true],
    ]);
  });
});
