// Issue 10: what admission does when the governance store (Postgres / PGlite) cannot be reached and a
// lease must be refilled: SWITCHBOARD_GOVERNANCE_FAIL=closed refuses with 503 governance_unavailable,
// open admits unmetered. The store is a real database, closed under the governor.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GovernanceError } from '../../src/governance/governance-error.js';
import { Governor } from '../../src/governance/governor.js';
import { PriceBook } from '../../src/registry/price-book.js';
import type { ModelEntry, ProviderEntry } from '../../src/registry/provider-registry.js';
import { insertProjectKey } from '../helpers/serve-process.js';
import { createTestDb } from '../helpers/test-db.js';

async function governorOnClosedStore(fail: 'closed' | 'open'): Promise<{ governor: Governor; request: Parameters<Governor['admit']>[0] }> {
  const db = await createTestDb();
  const key = await insertProjectKey(db, 'gov-store', 'k');
  await db.query(`insert into public.ai_rate_limits (name, project_id, requests_per_minute) select 'store-rpm', id, 100 from public.projects where name = 'gov-store'`);
  const project = await db.query<{ id: string }>(`select id from public.projects where name = 'gov-store'`);
  const governor = new Governor({ db, prices: () => new PriceBook([]), settings: { fail, syncMs: 60_000 } });
  await governor.start();
  assert.equal(governor.rules.rateLimitCount, 1);
  await db.dispose();
  const request = {
    projectId: project.rows[0]?.id,
    apiKeyId: key.id,
    publicName: 'any-model',
    model: { id: '00000000-0000-0000-0000-000000000001', name: 'any-model' } as unknown as ModelEntry,
    provider: { id: '00000000-0000-0000-0000-000000000002', className: 'OpenAIProvider' } as unknown as ProviderEntry,
    estimate: () => Promise.resolve({ inputTokens: 1, outputTokens: 1 }),
  };
  return { governor, request };
}

describe('the governance store is unreachable', () => {
  it('fail closed (default): 503 governance_unavailable with retry-after', async () => {
    const { governor, request } = await governorOnClosedStore('closed');
    await assert.rejects(async () => governor.admit(request), (error: unknown) => {
      assert.ok(error instanceof GovernanceError);
      assert.equal(error.code, 'governance_unavailable');
      assert.equal(error.status, 503);
      assert.equal(error.retryAfter, 1);
      return true;
    });
    governor.halt();
  });

  it('fail open: admitted unmetered', async () => {
    const { governor, request } = await governorOnClosedStore('open');
    const ticket = await governor.admit(request);
    ticket.settle(0n, 2);
    governor.halt();
  });
});
