/**
 * Governance in `bench-serve --governance-database-url`: a Postgres database, migrated, holding the
 * bench project and key (same ids as the bench configuration) with a budget and a rate limit on
 * the key large enough never to refuse, so the bench measures admission, leases and settlement.
 *
 * @module
 */
import type { ApiKeyRow } from '../../db/sql/access-rows.js';
import { migrate } from '../../db/migrate.js';
import { SwitchboardError } from '../../errors.js';
import { Governor, type GovernorLog } from '../../governance/governor.js';
import { loadGovernanceSettings } from '../../governance/governance-settings.js';
import type { PriceBook } from '../../registry/price-book.js';

export interface BenchGovernance {
  governor: Governor;
  close(): Promise<void>;
}

export async function openBenchGovernance(url: string, key: ApiKeyRow, prices: () => PriceBook, log: GovernorLog): Promise<BenchGovernance> {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new SwitchboardError('invalid_request', '--governance-database-url must be a postgres:// URL');
  // Imported here: the bench gateway process loads no database driver it does not use.
  const { openPostgresDb } = await import('../../db/postgres-adapter.js');
  const db = await openPostgresDb({ url });
  try {
    await migrate(db);
    await db.query(`insert into public.projects (id, name) values ($1, $2) on conflict do nothing`, [key.projectId, key.projectName]);
    await db.query(`insert into public.api_keys (id, project_id, name, prefix, key_hash) values ($1, $2, 'bench', $3, $4) on conflict do nothing`, [
      key.id,
      key.projectId,
      key.prefix,
      key.keyHash,
    ]);
    await db.query(
      `insert into public.ai_budgets (name, project_id, api_key_id, limit_usd, period) values ('bench-budget', $1, $2, 1000000000, 'month') on conflict (name) do nothing`,
      [key.projectId, key.id],
    );
    await db.query(
      `insert into public.ai_rate_limits (name, project_id, api_key_id, requests_per_minute, tokens_per_minute)
       values ('bench-limit', $1, $2, 1000000000, 1000000000000) on conflict (name) do nothing`,
      [key.projectId, key.id],
    );
    const governor = new Governor({ db, prices, settings: loadGovernanceSettings(process.env), log });
    await governor.start();
    return {
      governor,
      close: async () => {
        try {
          await governor.close();
        } finally {
          await db.close();
        }
      },
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
