/**
 * Shared set-up of the ledger tests: a library Switchboard on a fresh test database with the five
 * classes' rows, exact prices, and readers of ledger rows. Expected buckets and costs are computed
 * here independently of src/usage, with decimal (BigInt) arithmetic.
 *
 * @module
 */
import type { Queryable } from '../../src/db/db.js';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { insertLibraryRows, LIBRARY_ENV, startVendorMocks, type VendorMocks } from '../library/library-harness.js';

/** Every priced key at its own rate (USD per million tokens; per_request USD per call). */
export const PRICES = {
  input_per_mtok: '1.25',
  cached_input_per_mtok: '0.125',
  cache_write_per_mtok: '1.5625',
  cache_write_1h_per_mtok: '2.5',
  output_per_mtok: '10.5',
  reasoning_per_mtok: '12.75',
  per_request: '0.0001',
} as const;

export interface LedgerRow {
  request_id: string;
  model_name: string;
  streamed: boolean;
  status: number;
  error_code: string | null;
  incomplete: boolean;
  usage_source: string;
  input_tokens: string;
  cached_input_tokens: string;
  cache_write_5m_tokens: string;
  cache_write_1h_tokens: string;
  output_tokens: string;
  reasoning_tokens: string;
  raw_usage: Record<string, unknown> | null;
  cost_usd: string | null;
  price_id: string | null;
  project_id: string | null;
  ttft_ms: number | null;
  upstream_ms: number | null;
}

export interface LedgerStack {
  db: TestDb;
  mocks: VendorMocks;
  switchboard: Switchboard;
  close(): Promise<void>;
}

/**
 * A library Switchboard with the five classes' rows, every chat model priced with PRICES
 * (`providersDir`: provider classes of one's own, as SWITCHBOARD_PROVIDERS_DIR).
 */
export async function startLedgerStack(options: { providersDir?: string } = {}): Promise<LedgerStack> {
  const db = await createTestDb();
  const mocks = await startVendorMocks();
  await insertLibraryRows(db, mocks);
  await db.query(`update public.ai_models set pricing = $1 where name like 'lib-%'`, [pricingJson(PRICES)]);
  const switchboard = await createSwitchboard({ db, env: LIBRARY_ENV, pollMs: 0, listen: false, usage: { flushIntervalMs: 50 }, ...options });
  return {
    db,
    mocks,
    switchboard,
    close: async () => {
      await switchboard.close();
      await mocks.close();
      await db.dispose();
    },
  };
}

/** A pricing object with the given decimal texts as JSON numbers. */
export function pricingJson(prices: Readonly<Record<string, string>>): Record<string, unknown> {
  return JSON.parse(`{${Object.entries(prices).map(([key, value]) => `"${key}": ${value}`).join(',')}}`) as Record<string, unknown>;
}

export async function ledgerRows(db: Queryable, where = 'true', params: string[] = []): Promise<LedgerRow[]> {
  const result = await db.query<LedgerRow>(
    `select request_id, model_name, streamed, status, error_code, incomplete, usage_source, input_tokens::text, cached_input_tokens::text,
            cache_write_5m_tokens::text, cache_write_1h_tokens::text, output_tokens::text, reasoning_tokens::text, raw_usage,
            cost_usd::text, price_id::text, project_id, ttft_ms, upstream_ms
       from public.ai_usage where ${where} order by id`,
    params,
  );
  return result.rows;
}

/** Decimal text → integer scaled by 10^places (exact; the test's own decimal arithmetic). */
export function scaled(text: string, places: number): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  return BigInt(whole + fraction.padEnd(places, '0').slice(0, places));
}

export interface Buckets {
  input: bigint;
  cached: bigint;
  write5m: bigint;
  write1h: bigint;
  output: bigint;
  reasoning: bigint;
}

export function rowBuckets(row: LedgerRow): Buckets {
  return {
    input: BigInt(row.input_tokens),
    cached: BigInt(row.cached_input_tokens),
    write5m: BigInt(row.cache_write_5m_tokens),
    write1h: BigInt(row.cache_write_1h_tokens),
    output: BigInt(row.output_tokens),
    reasoning: BigInt(row.reasoning_tokens),
  };
}

/** The cost in pico-USD of `b` at `prices` (all keys set): Σ tokens × USD/Mtok, plus the per-request price. */
export function expectedCostPico(b: Buckets, prices: Readonly<Record<keyof typeof PRICES, string>>): bigint {
  const rate = (key: keyof typeof PRICES) => scaled(prices[key], 6);
  return (
    b.input * rate('input_per_mtok') +
    b.cached * rate('cached_input_per_mtok') +
    b.write5m * rate('cache_write_per_mtok') +
    b.write1h * rate('cache_write_1h_per_mtok') +
    b.output * rate('output_per_mtok') +
    b.reasoning * rate('reasoning_per_mtok') +
    scaled(prices.per_request, 12)
  );
}
