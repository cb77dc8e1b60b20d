import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hashApiKey, importedKeyPrefix } from '../../crypto/api-key.js';
import { migrate } from '../../db/migrate.js';
import { selectActiveApiKeys, type ApiKeyRow } from '../../db/sql/access-rows.js';
import { selectConfigVersion } from '../../db/sql/config-version.js';
import { selectPriceHistory, type PriceHistoryRow } from '../../db/sql/price-history.js';
import { selectModelRows, selectProviderRows, type ModelRow, type ProviderRow } from '../../db/sql/registry-rows.js';
import { SwitchboardError } from '../../errors.js';

/** The configuration rows of a bench gateway, as the loader reads them. */
export interface BenchConfigRows {
  version: number;
  providers: ProviderRow[];
  models: ModelRow[];
  apiKeys: ApiKeyRow[];
  /** The price history (the seeded prices), so the bench computes costs. */
  prices: PriceHistoryRow[];
}

/**
 * Builds the bench configuration on a throwaway in-memory database: migrated and seeded, the
 * `openai` provider pointed at `upstream`, and `key` accepted as the API key of project `bench`.
 */
export async function materializeBenchConfig(upstream: string, key: string): Promise<BenchConfigRows> {
  // Imported here: the bench gateway process loads no database driver it does not use.
  const { openEmbeddedDb } = await import('../../db/pglite-adapter.js');
  const db = await openEmbeddedDb();
  try {
    await migrate(db);
    await db.query(`update public.ai_providers set api_base_url = $1 where name = 'openai'`, [upstream]);
    await db.query(`insert into public.projects (name) values ('bench')`);
    await db.query(
      `insert into public.api_keys (project_id, name, prefix, key_hash) select id, 'bench', $1, $2 from public.projects where name = 'bench'`,
      [importedKeyPrefix(key), hashApiKey(key)],
    );
    const [version, providers, models, apiKeys, prices] = await Promise.all([
      selectConfigVersion(db),
      selectProviderRows(db),
      selectModelRows(db),
      selectActiveApiKeys(db),
      selectPriceHistory(db),
    ]);
    return { version, providers, models, apiKeys, prices };
  } finally {
    await db.close();
  }
}

/**
 * Runs `materializeBenchConfig` in a short-lived child process (`bench-serve --materialize`), so
 * the embedded database's memory (PGlite's WASM heap, hundreds of MB) never lives in the gateway.
 */
export async function benchConfigFromChild(upstream: string, key: string): Promise<BenchConfigRows> {
  const script = process.argv[1];
  if (!script) throw new SwitchboardError('internal_error', 'cannot locate the switchboard executable');
  const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, script, 'bench-serve', '--materialize', '--upstream', upstream, '--key', key], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const rows = JSON.parse(stdout) as BenchConfigRows;
  // JSON turned the dates into strings; the loader compares them as Dates.
  for (const row of rows.providers) row.updatedAt = new Date(row.updatedAt);
  for (const row of rows.prices) row.effectiveFrom = new Date(row.effectiveFrom);
  for (const row of rows.apiKeys) {
    row.revokedAt = row.revokedAt === null ? null : new Date(row.revokedAt);
    row.expiresAt = row.expiresAt === null ? null : new Date(row.expiresAt);
  }
  return rows;
}
