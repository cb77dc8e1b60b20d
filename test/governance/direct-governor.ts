/**
 * A governor's world without a gateway: a fresh test database (PGlite, or Postgres with
 * DATABASE_URL) with one project and key, and a model whose output costs $1 per token (input is
 * free), so a call's worst case in USD is its output tokens. Tests build the `Governor` themselves.
 *
 * @module
 */
import type { AdmitRequest } from '../../src/governance/governor.js';
import { PriceBook } from '../../src/registry/price-book.js';
import type { ModelEntry, ProviderEntry } from '../../src/registry/provider-registry.js';
import { insertProjectKey } from '../helpers/serve-process.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

/** One USD in pico-USD (the counters' unit). */
export const PICO = 1_000_000_000_000n;

const MODEL_ID = '00000000-0000-4000-8000-000000000001';
const PROVIDER_ID = '00000000-0000-4000-8000-000000000002';

export interface DirectWorld {
  db: TestDb;
  projectId: string;
  apiKeyId: string;
  /** $1 per output token, from the epoch on. */
  prices: () => PriceBook;
  /** A call of the key whose worst case is `outputTokens` output tokens ($1 each). */
  request(outputTokens: number): AdmitRequest;
}

export async function createDirectWorld(project: string): Promise<DirectWorld> {
  const db = await createTestDb();
  const key = await insertProjectKey(db, project, 'k');
  const row = await db.query<{ id: string }>(`select id from public.projects where name = $1`, [project]);
  const projectId = row.rows[0]?.id as string;
  const book = new PriceBook([{ id: '1', providerId: PROVIDER_ID, modelId: null, pricing: { input_per_mtok: 0, output_per_mtok: 1_000_000 }, effectiveFrom: new Date(0) }]);
  return {
    db,
    projectId,
    apiKeyId: key.id,
    prices: () => book,
    request: (outputTokens) => ({
      projectId,
      apiKeyId: key.id,
      publicName: 'direct-model',
      model: { id: MODEL_ID, name: 'direct-model' } as unknown as ModelEntry,
      provider: { id: PROVIDER_ID, className: 'OpenAIProvider' } as unknown as ProviderEntry,
      estimate: () => ({ inputTokens: 0, outputTokens }),
    }),
  };
}

/** What a budget's counters have been charged (settled, and expired leases), in USD. */
export async function spentUsd(db: TestDb, budgetId: string): Promise<number> {
  const result = await db.query<{ spent: string }>(`select coalesce(sum(spent), 0)::text as spent from public.ai_governance_counters where limit_id = $1`, [budgetId]);
  return Number(BigInt(result.rows[0]?.spent ?? '0') / 1_000_000n) / 1_000_000;
}
