// The usage ledger's schema: the append-only price history fed by triggers, the rollup trigger
// (sums equal row sums, histograms), and the runtime role's grants under forced RLS. Same tests on
// PGlite and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setProjectScope } from '../../src/db/sql/credentials.js';
import { DatabaseError } from '../../src/errors.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

interface HistoryRow {
  id: string;
  pricing: unknown;
  source: string;
}

describe('usage ledger schema', () => {
  let db: TestDb;
  let providerId: string;
  let modelId: string;
  before(async () => {
    db = await createTestDb();
    const provider = await db.query<{ id: string }>(
      `insert into public.ai_providers (name, provider_class, api_base_url, pricing)
       values ('ledger-p', 'OpenAIProvider', 'http://127.0.0.1:9/v1', '{"input_per_mtok": 1}') returning id`,
    );
    providerId = provider.rows[0]!.id;
    const model = await db.query<{ id: string }>(
      `insert into public.ai_models (name, provider_id, model_id) values ('ledger-m', $1, 'm') returning id`,
      [providerId],
    );
    modelId = model.rows[0]!.id;
  });
  after(async () => {
    await db?.dispose();
  });

  test('existing providers and models have a seeded price history', async () => {
    const { rows } = await db.query<{ missing: string }>(
      `select count(*)::text as missing from public.ai_models m
        where not exists (select 1 from public.ai_price_history h where h.model_id = m.id)`,
    );
    assert.equal(rows[0]?.missing, '0');
    const seeded = await db.query<{ n: string }>(`select count(*)::text as n from public.ai_price_history where source = 'seed'`);
    assert.ok(Number(seeded.rows[0]?.n) > 0);
  });

  test('inserting and repricing append history rows; other updates do not', async () => {
    const history = async (): Promise<HistoryRow[]> =>
      (await db.query<HistoryRow>(`select id::text, pricing, source from public.ai_price_history where provider_id = $1 order by id`, [providerId])).rows;
    assert.deepEqual((await history()).map((row) => row.pricing), [{ input_per_mtok: 1 }]);
    await db.query(`update public.ai_providers set display_name = 'x' where id = $1`, [providerId]);
    assert.equal((await history()).length, 1);
    await db.query(`update public.ai_providers set pricing = '{"input_per_mtok": 2}' where id = $1`, [providerId]);
    const rows = await history();
    assert.deepEqual(rows.map((row) => [row.pricing, row.source]), [
      [{ input_per_mtok: 1 }, 'trigger'],
      [{ input_per_mtok: 2 }, 'trigger'],
    ]);
    const model = await db.query(`select 1 from public.ai_price_history where model_id = $1`, [modelId]);
    assert.equal(model.rowCount, 1);
  });

  test('price history rows can be neither updated nor deleted', async () => {
    const refused = (error: unknown): boolean => error instanceof DatabaseError && /append-only/.test(error.message);
    await assert.rejects(db.query(`update public.ai_price_history set pricing = '{}' where provider_id = $1`, [providerId]), refused);
    await assert.rejects(db.query(`delete from public.ai_price_history where provider_id = $1`, [providerId]), refused);
    await assert.rejects(db.query(`insert into public.ai_price_history (pricing) values ('{}')`), DatabaseError);
  });

  test('a multi-row ledger insert rolls up into hourly sums and histograms', async () => {
    const project = '11111111-1111-4111-8111-111111111111';
    await db.query(
      `insert into public.ai_usage (request_id, started_at, ended_at, project_id, requested_model, model_name, endpoint, status,
         input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, usage_source, cost_usd, ttft_ms)
       values ('r1', '2026-12-02T10:15:00Z', '2026-12-02T10:15:00.100Z', $1, 'm', 'm', 'chat', 200, 10, 5, 7, 3, 'provider', 0.000000000001, 50),
              ('r2', '2026-12-02T10:20:00Z', '2026-12-02T10:20:00.100Z', $1, 'm', 'm', 'chat', 200, 20, 0, 1, 0, 'provider', 0.5, null),
              ('r3', '2026-12-02T10:25:00Z', '2026-12-02T10:25:01Z', $1, 'm', 'm', 'chat', 502, 0, 0, 0, 0, 'none', null, null)`,
      [project],
    );
    await db.query(
      `insert into public.ai_usage (request_id, started_at, ended_at, project_id, requested_model, model_name, endpoint, status,
         input_tokens, usage_source, cost_usd)
       values ('r4', '2026-12-02T10:30:00Z', '2026-12-02T10:30:00.100Z', $1, 'm', 'm', 'chat', 200, 100, 'estimated', 1.25)`,
      [project],
    );
    const { rows } = await db.query<Record<string, string | string[]>>(
      `select status_class, usage_source, requests::text, errors::text, input_tokens::text, cached_input_tokens::text,
              output_tokens::text, reasoning_tokens::text, cost_usd::text, unpriced_requests::text, ttft_count::text,
              duration_histogram::text[] as dh
         from public.ai_usage_hourly where project_id = $1 order by status_class, usage_source`,
      [project],
    );
    assert.equal(rows.length, 3);
    const [estimated, ok, failed] = rows;
    assert.deepEqual(
      [ok?.requests, ok?.input_tokens, ok?.cached_input_tokens, ok?.output_tokens, ok?.reasoning_tokens, ok?.cost_usd, ok?.ttft_count],
      ['2', '30', '5', '8', '3', '0.500000000001', '1'],
    );
    assert.deepEqual([estimated?.usage_source, estimated?.cost_usd], ['estimated', '1.250000000000']);
    assert.deepEqual([failed?.status_class, failed?.errors, failed?.unpriced_requests, failed?.cost_usd], ['5xx', '1', '1', '0.000000000000']);
    // 100 ms lands in bucket ceil(4*log2(100)) = 27; 1000 ms in bucket 40.
    const histogram = (ok?.dh as string[]).map(Number);
    assert.equal(histogram.length, 81);
    assert.equal(histogram[27], 2);
    assert.equal(histogram.reduce((a, b) => a + b, 0), 2);
    assert.equal((failed?.dh as string[]).map(Number)[40], 1);
  });

  test('the runtime role inserts rows of any project but reads only its own', async () => {
    const [a, b] = ['22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333'];
    const rows = await db.transaction(async (tx) => {
      await tx.query('set local role switchboard_runtime');
      await tx.query(
        `insert into public.ai_usage (request_id, started_at, ended_at, project_id, requested_model, endpoint, status, usage_source)
         values ('ra', now(), now(), $1, 'm', 'chat', 200, 'none'), ('rb', now(), now(), $2, 'm', 'chat', 200, 'none')`,
        [a, b],
      );
      await setProjectScope(tx, a);
      const usage = await tx.query<{ request_id: string }>('select request_id from public.ai_usage');
      const hourly = await tx.query<{ project_id: string }>('select project_id from public.ai_usage_hourly');
      const prices = await tx.query('select 1 from public.ai_price_history limit 1');
      return { usage: usage.rows, hourly: hourly.rows, prices: prices.rowCount };
    });
    assert.deepEqual(rows.usage, [{ request_id: 'ra' }]);
    assert.deepEqual(rows.hourly, [{ project_id: a }]);
    assert.equal(rows.prices, 1);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('set local role switchboard_runtime');
        await tx.query(`delete from public.ai_usage`);
      }),
      (error) => error instanceof DatabaseError && error.sqlState === '42501',
    );
  });
});
