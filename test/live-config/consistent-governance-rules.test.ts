// The governance rules (budgets, rate limits, model access) and the version they are recorded at
// are read in one read-only transaction, like the configuration snapshot: a budget and a rate limit
// another connection commits together, between two of the reads, are in the rules together or not
// at all. The interleaving runs on Postgres only (PGlite is one connection); the one-transaction
// check on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { selectConfigVersion } from '../../src/db/sql/config-version.js';
import { Governor } from '../../src/governance/governor.js';
import { PriceBook } from '../../src/registry/price-book.js';
import { createTestDb, postgresUrl, type TestDb } from '../helpers/test-db.js';
import { instrumentDb, type InstrumentedDb } from './instrumented-db.js';

const onPglite = postgresUrl() === undefined ? 'PGlite is one connection: no other session can commit between two reads' : false;
const ruleReads = /from public\.(ai_budgets|ai_rate_limits|switchboard_model_access|switchboard_config_version)\b/;

describe('consistent governance rules', () => {
  let base: TestDb;
  let db: InstrumentedDb;
  let projectId: string;
  const governors: Governor[] = [];

  before(async () => {
    base = await createTestDb();
    db = instrumentDb(base);
    const project = await base.query<{ id: string }>(`insert into public.projects (name) values ('rules-tx') returning id`);
    projectId = project.rows[0]?.id as string;
  });
  after(async () => {
    await Promise.all(governors.map((governor) => governor.close()));
    await base.dispose();
  });

  function governor(): Governor {
    const created = new Governor({ db, prices: () => new PriceBook([]), settings: { syncMs: 60_000 } });
    governors.push(created);
    return created;
  }

  test('every read of a reload runs in one transaction', async () => {
    const from = db.statements.length;
    await governor().reload();
    const reads = db.statements.slice(from).filter((statement) => ruleReads.test(statement.sql));
    assert.ok(reads.length >= 4, `${reads.length} reads`);
    const transactions = new Set(reads.map((statement) => statement.tx));
    assert.equal(transactions.size, 1, JSON.stringify(reads));
    assert.notEqual([...transactions][0], undefined, 'not on the pool');
  });

  test('a budget and a rate limit committed together between two reads: both or neither', { skip: onPglite }, async () => {
    const subject = governor();
    await subject.reload();
    const pair = async (): Promise<void> => {
      await base.transaction(async (tx) => {
        await tx.query(`insert into public.ai_budgets (name, project_id, limit_usd, period) values ('pair-b', $1, 10, 'day')`, [projectId]);
        await tx.query(`insert into public.ai_rate_limits (name, project_id, requests_per_minute) values ('pair-r', $1, 10)`, [projectId]);
      });
    };
    // Right after the budgets are read, the pair commits; the rate limits are read after it.
    const fired = db.interleave(/from public\.ai_budgets\b/, pair, /from public\.ai_rate_limits\b/);
    await subject.reload();
    await fired;
    const rules = subject.rules;
    assert.equal(rules.budgetCount, rules.rateLimitCount, `budgets ${rules.budgetCount}, rate limits ${rules.rateLimitCount}: half-applied`);
    // Recorded at the version its rules were read at: behind the pair's, so a follower reloads.
    assert.ok((subject.rulesVersion ?? 0) < (await selectConfigVersion(base)));
    await subject.reload();
    assert.deepEqual([subject.rules.budgetCount, subject.rules.rateLimitCount], [1, 1]);
  });
});
