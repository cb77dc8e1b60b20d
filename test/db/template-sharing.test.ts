// Two checkouts with different migrations share one Postgres: each keeps its template database
// while the other builds and clones its own; templates idle for long, or beyond the newest few,
// are dropped so the disk stays bounded.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Db } from '../../src/db/db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { cloneTemplate, prepareTemplate, withAdmin, withDatabase } from '../helpers/test-db-template.js';
import { postgresUrl, skipWithoutPostgres } from '../helpers/test-db.js';

// A prefix of this run's own, so neither real templates nor another run's are touched.
const prefix = `sb_tpx${process.pid}_`;
/** Clones are named outside the prefix, as createTestDb's are (`sb_t_…`). */
const clonePrefix = `sb_tpxc${process.pid}_`;
const marker = (hash: string) => async (db: Db) => db.query(`create table marker_${hash} (id int)`);
let clones = 0;

async function cloneHas(url: string, template: string, hash: string): Promise<boolean> {
  const name = `${clonePrefix}${(clones += 1)}`;
  await cloneTemplate(url, template, name);
  const db = await openPostgresDb({ url: withDatabase(url, name), max: 1 });
  try {
    const found = await db.query(`select 1 from pg_tables where tablename = $1`, [`marker_${hash}`]);
    return found.rows.length === 1;
  } finally {
    await db.close();
  }
}

async function templates(url: string): Promise<string[]> {
  return withAdmin(url, async (admin) => {
    const rows = await admin.query<{ datname: string }>(`select datname from pg_database where starts_with(datname, $1) order by datname`, [prefix]);
    return rows.rows.map((row) => row.datname);
  });
}

/** Marks `template` as last prepared `hoursAgo` hours ago. */
async function lastUsed(url: string, template: string, hoursAgo: number): Promise<void> {
  const at = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  await withAdmin(url, (admin) => admin.query(`comment on database ${template} is 'switchboard test template, last used ${at}'`));
}

describe('template databases shared by checkouts with different migrations', { skip: skipWithoutPostgres() }, () => {
  const url = postgresUrl() ?? '';

  const dropAll = () =>
    withAdmin(url, async (admin) => {
      const rows = await admin.query<{ datname: string }>(`select datname from pg_database where starts_with(datname, $1) or starts_with(datname, $2)`, [prefix, clonePrefix]);
      for (const row of rows.rows) await admin.query(`drop database if exists ${row.datname} with (force)`);
    });
  after(dropAll);

  it('two migration sets prepare and clone concurrently without dropping each other', async () => {
    const [a, b] = await Promise.all([
      prepareTemplate(url, { hash: 'aaaa', prefix, build: marker('aaaa') }),
      prepareTemplate(url, { hash: 'bbbb', prefix, build: marker('bbbb') }),
    ]);
    // New test processes of each checkout keep preparing (each prepare prunes) while the others clone.
    const rounds = [1, 2, 3].map(async () => {
      const [hasA, hasB] = await Promise.all([
        cloneHas(url, a, 'aaaa'),
        prepareTemplate(url, { hash: 'aaaa', prefix, build: marker('aaaa') }).then(() => cloneHas(url, b, 'bbbb')),
        prepareTemplate(url, { hash: 'bbbb', prefix, build: marker('bbbb') }),
      ]);
      return hasA && hasB;
    });
    assert.deepEqual(await Promise.all(rounds), [true, true, true]);
    assert.deepEqual(await templates(url), [a, b]);
  });

  it('a template idle for over a day is dropped; beyond the newest four, the least recently used go', async () => {
    await prepareTemplate(url, { hash: 'old', prefix, build: marker('old') });
    await lastUsed(url, `${prefix}old`, 25);
    for (const hash of ['cccc', 'dddd']) await prepareTemplate(url, { hash, prefix, build: marker(hash) });
    assert.deepEqual(await templates(url), [`${prefix}aaaa`, `${prefix}bbbb`, `${prefix}cccc`, `${prefix}dddd`]);
    await lastUsed(url, `${prefix}aaaa`, 2);
    await prepareTemplate(url, { hash: 'eeee', prefix, build: marker('eeee') });
    assert.deepEqual(await templates(url), [`${prefix}bbbb`, `${prefix}cccc`, `${prefix}dddd`, `${prefix}eeee`]);
  });

  it("a template without a stamp (built by older code, maybe in use) gets a day's grace", async () => {
    await dropAll();
    const legacy = await prepareTemplate(url, { hash: 'legacy', prefix, build: marker('legacy') });
    await withAdmin(url, (admin) => admin.query(`comment on database ${legacy} is null`));
    await prepareTemplate(url, { hash: 'ffff', prefix, build: marker('ffff') });
    assert.deepEqual(await templates(url), [`${prefix}ffff`, legacy]);
    assert.equal(await cloneHas(url, legacy, 'legacy'), true);
  });
});
