/**
 * The usage ledger of `bench-serve --usage-database-url`: a Postgres database, migrated, written
 * by the same UsageRecorder + UsageWriter (same env settings) as `serve`, so the bench measures
 * the gateway with the ledger on.
 *
 * @module
 */
import { loadUsageSettings } from '../../config.js';
import type { Db } from '../../db/db.js';
import { migrate } from '../../db/migrate.js';
import type { PriceHistoryRow } from '../../db/sql/price-history.js';
import { SwitchboardError } from '../../errors.js';
import type { PriceBook } from '../../registry/price-book.js';
import type { UsageObserver } from '../../usage/usage-observer.js';
import { UsageRecorder } from '../../usage/usage-recorder.js';
import { UsageWriter, type UsageLog } from '../../usage/usage-writer.js';

/** An open bench ledger: pass `usage` to the AIService; `close` flushes it, then closes the database. */
export interface BenchLedger {
  usage: UsageRecorder;
  close(): Promise<void>;
}

/**
 * Opens and migrates the Postgres database at `url` and returns a recorder writing to it. The
 * bench's price rows (`prices`, read from the throwaway database the configuration came from) are
 * copied in by id where missing, so the ledger's `price_id` references hold.
 */
export async function openBenchLedger(
  url: string,
  prices: () => PriceBook,
  priceRows: readonly PriceHistoryRow[],
  log: UsageLog,
  observers: readonly UsageObserver[] = [],
): Promise<BenchLedger> {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new SwitchboardError('invalid_request', '--usage-database-url must be a postgres:// URL');
  // Imported here: the bench gateway process loads no database driver it does not use.
  const { openPostgresDb } = await import('../../db/postgres-adapter.js');
  const db = await openPostgresDb({ url });
  try {
    await migrate(db);
    await copyPriceRows(db, priceRows);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  const usage = new UsageRecorder({ writer: new UsageWriter(db, loadUsageSettings(process.env), log), prices, log, observers });
  return {
    usage,
    close: async () => {
      try {
        await usage.close();
      } finally {
        await db.close();
      }
    },
  };
}

async function copyPriceRows(db: Db, rows: readonly PriceHistoryRow[]): Promise<void> {
  for (const row of rows) {
    await db.query(
      `insert into public.ai_price_history (id, provider_id, model_id, pricing, effective_from, source)
         overriding system value values ($1::bigint, $2, $3, $4::jsonb, $5, 'sql') on conflict (id) do nothing`,
      [row.id, row.providerId, row.modelId, JSON.stringify(row.pricing), row.effectiveFrom],
    );
  }
}
