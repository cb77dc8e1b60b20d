// The ledger's batched insert (one array parameter per column, zipped by unnest): every value comes
// back exactly as written, whatever characters a client-chosen request id holds, and no value can
// shift the elements of its column. Same tests on PGlite and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tokenElement } from '../../src/db/sql/array-literal.js';
import { insertUsageRows, readUsageRowFacts, sameUsageRow, usageKey, type UsageRowInsert } from '../../src/db/sql/usage.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { sampleUsageRow as base } from '../helpers/usage-row.js';

interface Stored {
  request_id: string;
  attempt: number;
  started_at: Date;
  ended_at: Date;
  project_id: string | null;
  api_key_id: string | null;
  requested_model: string;
  model_name: string | null;
  vendor_model_id: string | null;
  streamed: boolean;
  status: number;
  error_code: string | null;
  incomplete: boolean;
  overhead_ms: number;
  upstream_ms: number | null;
  ttft_ms: number | null;
  tokens: string;
  usage_source: string;
  raw_usage: unknown;
  cost_usd: string | null;
  route: string;
}

/** Each stored row holds what was sent in the row at its place. */
function assertStored(stored: readonly Stored[], rows: readonly UsageRowInsert[]): void {
  assert.equal(stored.length, rows.length);
  stored.forEach((row, index) => {
    const sent = rows[index]!;
    assert.equal(row.request_id, sent.requestId);
    assert.equal(row.attempt, sent.attempt);
    assert.equal(row.started_at.toISOString(), new Date(sent.startedAtMs).toISOString());
    assert.equal(row.ended_at.toISOString(), new Date(sent.endedAtMs).toISOString());
    assert.equal(row.project_id, sent.projectId);
    assert.equal(row.api_key_id, sent.apiKeyId);
    assert.equal(row.requested_model, sent.requestedModel);
    assert.equal(row.model_name, sent.modelName);
    assert.equal(row.vendor_model_id, sent.vendorModelId);
    assert.equal(row.streamed, sent.streamed);
    assert.equal(row.status, sent.status);
    assert.equal(
      row.route,
      [sent.routeName ?? '∅', sent.routeVersion === null ? '∅' : String(sent.routeVersion), sent.arm ?? '∅', sent.servedArm ?? '∅', String(sent.fallback)].join('|'),
    );
    assert.equal(row.error_code, sent.errorCode);
    assert.equal(row.incomplete, sent.incomplete);
    assert.equal(row.overhead_ms, sent.overheadMs);
    assert.equal(row.upstream_ms, sent.upstreamMs);
    assert.equal(row.ttft_ms, sent.ttftMs);
    assert.equal(row.tokens, [sent.inputTokens, sent.cachedInputTokens, sent.cacheWrite5mTokens, sent.cacheWrite1hTokens, sent.outputTokens, sent.reasoningTokens].join(','));
    assert.equal(row.usage_source, sent.usageSource);
    assert.deepEqual(row.raw_usage, sent.rawUsage);
    assert.equal(row.cost_usd, sent.costUsd);
  });
}

describe('usage ledger insert', () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDb();
  });
  after(async () => {
    await db?.dispose();
  });

  const read = async (): Promise<Stored[]> =>
    (
      await db.query<Stored>(
        `select request_id, attempt, started_at, ended_at, project_id, api_key_id, requested_model, model_name, vendor_model_id,
                streamed, status, error_code, incomplete, overhead_ms, upstream_ms, ttft_ms,
                concat_ws(',', input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens) as tokens,
                usage_source, raw_usage, cost_usd::text,
                concat_ws('|', coalesce(route_name, '∅'), coalesce(route_version::text, '∅'), coalesce(arm, '∅'), coalesce(served_arm, '∅'), fallback::text) as route
           from public.ai_usage order by id`,
      )
    ).rows;

  test('values of every column round-trip, awkward text included', async () => {
    const awkward = ['', 'NULL', 'null', 'a,b', '{x}', 'q"uote', 'back\\slash', 'tail\\', ' spaced ', 'ünï\u00e7ødé 🚀', 'new\nline'];
    const rows: UsageRowInsert[] = awkward.map((text, index) => ({
      ...base,
      requestId: `id-${index}-${text}`,
      attempt: index + 1,
      requestedModel: text,
      modelName: index % 2 === 0 ? null : text,
      vendorModelId: text,
      errorCode: index % 3 === 0 ? text : null,
      streamed: index % 2 === 0,
      incomplete: index % 2 === 1,
      projectId: index % 4 === 0 ? null : base.projectId,
      ttftMs: index % 2 === 0 ? null : 1.5,
      upstreamMs: index === 0 ? null : base.upstreamMs,
      rawUsage: index === 1 ? null : { ...base.rawUsage, text },
      costUsd: index === 2 ? null : base.costUsd,
      status: index === 3 ? 499 : 200,
      routeName: index % 2 === 0 ? null : `route-${text}`,
      routeVersion: index % 2 === 0 ? null : index * 1_000_000_007,
      arm: index % 2 === 0 ? null : text,
      servedArm: index % 3 === 0 ? null : `served-${text}`,
      fallback: index % 2 === 1,
    }));
    await insertUsageRows(db, rows);
    assertStored(await read(), rows);
  });

  test('values every row of a batch shares (sent once, as a scalar) come back in every row, nulls included', async () => {
    const shared = (index: number, nulls: boolean): UsageRowInsert => ({
      ...base,
      requestId: `shared-${String(nulls)}-${index}`,
      startedAtMs: base.startedAtMs + index,
      ...(nulls
        ? { projectId: null, apiKeyId: null, modelName: null, errorCode: null, upstreamMs: null, ttftMs: null, rawUsage: null, costUsd: null, routeName: null, routeVersion: null, arm: null, servedArm: null }
        : { errorCode: 'upstream_error', status: 502, attempt: 2, streamed: true, incomplete: true, ttftMs: 3.25, routeName: 'r', routeVersion: 7, arm: 'a', servedArm: 'b', fallback: true }),
    });
    for (const nulls of [false, true]) {
      await db.query('delete from public.ai_usage');
      const rows = [0, 1, 2].map((index) => shared(index, nulls));
      await insertUsageRows(db, rows);
      assertStored(await read(), rows);
    }
    // A batch of one row: every column is shared.
    await db.query('delete from public.ai_usage');
    await insertUsageRows(db, [shared(9, false)]);
    assertStored(await read(), [shared(9, false)]);
  });

  test('times before and long after the batch\'s first start, and durations to the microsecond, come back exact', async () => {
    const times = ['2026-12-02T10:15:00.123Z', '2026-12-02T10:14:59.001Z', '2026-12-09T23:59:59.999Z', '2025-01-01T00:00:00.000Z'];
    await insertUsageRows(
      db,
      times.map((time, index) => ({
        ...base,
        requestId: `times-${index}`,
        startedAtMs: Date.parse(time),
        endedAtMs: Date.parse(time) + 1_234 * index,
        overheadMs: [0.001, 0.0004, 2.5, 1234.567][index]!,
        upstreamMs: index === 1 ? null : 60_000.25,
      })),
    );
    const found = await db.query<{ started_at: Date; ended_at: Date; overhead_ms: number; upstream_ms: number | null }>(
      `select started_at, ended_at, overhead_ms, upstream_ms from public.ai_usage where request_id like 'times-%' order by request_id`,
    );
    assert.deepEqual(
      found.rows.map((row) => [row.started_at.toISOString(), row.ended_at.getTime() - row.started_at.getTime()]),
      times.map((time, index) => [time, 1_234 * index]),
    );
    // float4 columns, read back as Postgres prints them; 0.0004 ms rounds to 0 µs.
    assert.deepEqual(
      found.rows.map((row) => row.overhead_ms),
      [0.001, 0, 2.5, 1234.567],
    );
    assert.deepEqual(
      found.rows.map((row) => row.upstream_ms),
      [60_000.25, null, 60_000.25, 60_000.25],
    );
  });

  test('a missing usage object is SQL null, not the JSON value null', async () => {
    await insertUsageRows(db, [
      { ...base, requestId: 'raw-null', rawUsage: null },
      { ...base, requestId: 'raw-object', rawUsage: { a: [1, null], b: 'x' } },
    ]);
    const found = await db.query<{ request_id: string; is_null: boolean; kind: string | null }>(
      `select request_id, raw_usage is null as is_null, jsonb_typeof(raw_usage) as kind from public.ai_usage where request_id like 'raw-%' order by request_id`,
    );
    assert.deepEqual(found.rows, [
      { request_id: 'raw-null', is_null: true, kind: null },
      { request_id: 'raw-object', is_null: false, kind: 'object' },
    ]);
  });

  test('text Postgres cannot hold (NUL, a lone surrogate) is stored as U+FFFD instead of failing the batch', async () => {
    // A vendor's usage object is foreign input: `\u0000` and `"\ud800"` are valid JSON that jsonb refuses.
    const hostile = { prompt_tokens: 3, ['k\u0000ey']: 'v\u0000al', lone: 'a\ud800b', tail: ['\udc00'], pair: '🚀', escaped: 'back\\u0000slash' };
    await insertUsageRows(db, [
      { ...base, requestId: 'hostile-raw', rawUsage: hostile },
      { ...base, requestId: 'hostile-text', requestedModel: 'gpt\u0000mini', vendorModelId: 'x\ud800' },
      { ...base, requestId: 'hostile-plain' },
    ]);
    const found = await db.query<{ request_id: string; raw_usage: unknown; requested_model: string; vendor_model_id: string }>(
      `select request_id, raw_usage, requested_model, vendor_model_id from public.ai_usage where request_id like 'hostile-%' order by request_id`,
    );
    assert.deepEqual(
      found.rows.map((row) => row.request_id),
      ['hostile-plain', 'hostile-raw', 'hostile-text'],
    );
    assert.deepEqual(found.rows[1]!.raw_usage, { prompt_tokens: 3, 'k\ufffdey': 'v\ufffdal', lone: 'a\ufffdb', tail: ['\ufffd'], pair: '🚀', escaped: 'back\\u0000slash' });
    assert.equal(found.rows[2]!.requested_model, 'gpt\ufffdmini');
    assert.equal(found.rows[2]!.vendor_model_id, 'x\ufffd');
    assert.deepEqual(found.rows[0]!.raw_usage, base.rawUsage);
  });

  test('gateway-made values travel bare only when they are safe: anything else is quoted', async () => {
    const values = ['6b1c3e1e-2d7d-4f0e-9a55-1f0c2b7e8a11', '0.000015600001', '12', 'chat', 'NULL', 'null', 'a,b', '{x}', 'q"uote', 'b\\s', '', ' x', null];
    const found = await db.query<{ v: (string | null)[] }>('select $1::text[] as v', [`{${values.map(tokenElement).join(',')}}`]);
    assert.deepEqual(found.rows[0]!.v, values);
  });

  test('a batch is one statement: the rollup counts every row once', async () => {
    const before = await db.query<{ n: string }>('select coalesce(sum(requests), 0)::text as n from public.ai_usage_hourly');
    const rows = Array.from({ length: 700 }, (_, index) => ({ ...base, requestId: `batch-${index}` }));
    await insertUsageRows(db, rows);
    const after = await db.query<{ n: string }>('select coalesce(sum(requests), 0)::text as n from public.ai_usage_hourly');
    assert.equal(Number(after.rows[0]!.n) - Number(before.rows[0]!.n), 700);
  });

  test('a stored row read back by its key is the same row as the one sent (times to the microsecond), and no other', async () => {
    const rows: UsageRowInsert[] = [
      { ...base, requestId: 'facts-0' },
      { ...base, requestId: 'facts-1', attempt: 2, startedAtMs: base.startedAtMs + 0.25, projectId: null, apiKeyId: null, endpoint: 'embeddings' },
      { ...base, requestId: 'facts "quoted", {braced}', startedAtMs: Date.parse('2025-01-01T00:00:00.000Z') },
    ];
    await insertUsageRows(db, rows);
    const missing = { requestId: 'facts-0', attempt: 9 };
    const stored = await readUsageRowFacts(db, [...rows, rows[0]!, missing]);
    assert.deepEqual([...stored.keys()].sort(), rows.map((row) => usageKey(row.requestId, row.attempt)).sort());
    for (const row of rows) assert.ok(sameUsageRow(stored.get(usageKey(row.requestId, row.attempt))!, row), row.requestId);
    const first = stored.get(usageKey('facts-0', 1))!;
    for (const other of [{ startedAtMs: base.startedAtMs + 1 }, { endedAtMs: base.endedAtMs - 0.01 }, { status: 500 }, { outputTokens: 21 }, { projectId: null }]) {
      assert.equal(sameUsageRow(first, { ...base, ...other }), false, JSON.stringify(other));
    }
  });

  test('a value of the wrong type fails the statement instead of being stored', async () => {
    await assert.rejects(insertUsageRows(db, [{ ...base, requestId: 'bad-uuid', projectId: 'not-a-uuid' }]));
    await assert.rejects(insertUsageRows(db, [{ ...base, requestId: 'bad-int', inputTokens: 1.5 }]));
    const found = await db.query(`select 1 from public.ai_usage where request_id like 'bad-%'`);
    assert.equal(found.rowCount, 0);
  });
});
