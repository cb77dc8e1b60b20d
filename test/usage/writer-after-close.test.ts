import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import { createTestDb } from '../helpers/test-db.js';
import { sampleUsageRow } from '../helpers/usage-row.js';

// A call still running when close() returns ends later: its row reaches a closed writer.
// Nothing drains the buffer any more, so the row is lost; it must at least be counted and logged.
test('a row pushed after close() is counted as dropped (shutdown) and logged, not silently buffered', async () => {
  const db = await createTestDb();
  const logs: string[] = [];
  const writer = new UsageWriter(db, {}, (level, message) => logs.push(`${level} ${message}`));
  await writer.close();
  writer.push({ ...sampleUsageRow, requestId: "after-close" });
  await new Promise((r) => setTimeout(r, 100));
  const stats = writer.stats();
  await db.dispose();
  assert.equal(stats.dropped.shutdown, 1, JSON.stringify(stats));
  assert.equal(stats.buffered, 0, JSON.stringify(stats));
  assert.ok(logs.some((l) => l.startsWith('error')), JSON.stringify(logs));
});
