import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Queryable } from '../../src/db/db.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { createEmbeddedTestDb, createTestDb, postgresUrl, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';

const valuesQuery = `
  select 9007199254740993::int8 as big, 2::int4 as small, 1.5::float8 as float, 12.50::numeric as money,
         '2024-05-06T07:08:09.123Z'::timestamptz as ts, '2024-05-06'::date as day,
         '{"a": [1, "x", null], "b": true}'::jsonb as doc, '[1, 2]'::json as list,
         '00000000-0000-4000-8000-000000000001'::uuid as id, true as flag, null::text as nothing,
         array[1, 2]::int8[] as bigs, array['a', 'b c', null] as texts, '\\x6869'::bytea as bytes,
         array[1.5, 2]::numeric[] as numerics, '1 day 2 hours'::interval as span, current_schemas(false) as schemas,
         array['2024-05-06'::date] as days, count(*) as n
    from (values (1), (2)) as v (x)`;

const paramsQuery = `
  select $1::text[] as texts, $2::int[] as ints, $3::jsonb as doc, $4::timestamptz as ts,
         $5::text as plain, $6::int as num, $7::bool as flag, $8::bytea as bytes,
         '00000000-0000-4000-8000-000000000001'::uuid = any($9::uuid[]) as found, $10::jsonb as doc_list`;

const params = [
  ['a', 'b "quoted"', 'c\\d', null],
  [1, 2, 3],
  { nested: { list: [1, 2] }, text: 'héllo' },
  new Date('2024-01-02T03:04:05.678Z'),
  'plain',
  42,
  false,
  Buffer.from('hi'),
  ['00000000-0000-4000-8000-000000000001'],
  JSON.stringify([1, 'two']),
] as const;

async function sample(db: Queryable): Promise<unknown[]> {
  const values = await db.query(valuesQuery);
  const bound = await db.query(paramsQuery, [...params]);
  return [values.rows, values.rowCount, bound.rows];
}

describe('value rules (on the database under test)', () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDb();
  });
  after(() => db.dispose());

  test('columns come back as documented in db.ts', async () => {
    const { rows } = await db.query(valuesQuery);
    assert.deepEqual(rows[0], {
      big: '9007199254740993',
      small: 2,
      float: 1.5,
      money: '12.50',
      ts: new Date('2024-05-06T07:08:09.123Z'),
      day: '2024-05-06',
      doc: { a: [1, 'x', null], b: true },
      list: [1, 2],
      id: '00000000-0000-4000-8000-000000000001',
      flag: true,
      nothing: null,
      bigs: ['1', '2'],
      texts: ['a', 'b c', null],
      bytes: Buffer.from('hi'),
      numerics: ['1.5', '2'],
      span: rows[0]?.span,
      schemas: '{public}',
      days: ['2024-05-06'],
      n: '2',
    });
    assert.deepEqual({ ...(rows[0]?.span as object) }, { days: 1, hours: 2 });
  });

  test("timestamps 'infinity' and '-infinity' are the Dates furthest from now (not the numbers ±Infinity)", async () => {
    const { rows } = await db.query<{ late: Date; early: Date; plain: Date }>(
      `select 'infinity'::timestamptz as late, '-infinity'::timestamptz as early, 'infinity'::timestamp as plain`,
    );
    const row = rows[0];
    assert.ok(row?.late instanceof Date && row.early instanceof Date && row.plain instanceof Date);
    assert.equal(row.late.getTime(), 8.64e15);
    assert.equal(row.early.getTime(), -8.64e15);
    assert.equal(row.plain.getTime(), 8.64e15);
    assert.ok(row.late.getTime() > Date.now() && row.early.getTime() < Date.now());
  });

  test('timestamps past what a Date holds (years 275761 to 294276) are the latest Date, not an Invalid Date', async () => {
    const { rows } = await db.query<{ late: Date; plain: Date; edge: Date; ancient: Date }>(
      `select '294276-12-31 23:59:59+00'::timestamptz as late, '276000-01-01'::timestamp as plain,
              '275760-09-13 00:00:00+00'::timestamptz as edge, '4713-01-01 00:00:00+00 BC'::timestamptz as ancient`,
    );
    const row = rows[0];
    assert.equal(row?.late.getTime(), 8.64e15);
    assert.equal(row.plain.getTime(), 8.64e15);
    assert.equal(row.edge.getTime(), 8.64e15);
    assert.equal(row.ancient.toISOString(), '-004712-01-01T00:00:00.000Z');
  });

  test('parameters: arrays as Postgres arrays, objects as JSON, dates, buffers', async () => {
    const { rows } = await db.query(paramsQuery, [...params]);
    assert.deepEqual(rows[0], {
      texts: ['a', 'b "quoted"', 'c\\d', null],
      ints: [1, 2, 3],
      doc: { nested: { list: [1, 2] }, text: 'héllo' },
      ts: new Date('2024-01-02T03:04:05.678Z'),
      plain: 'plain',
      num: 42,
      flag: false,
      bytes: Buffer.from('hi'),
      found: true,
      doc_list: [1, 'two'],
    });
  });

  test('rowCount counts affected rows and selected rows', async () => {
    await db.exec('create table public.t_counts (x int); insert into public.t_counts values (1), (2), (3)');
    assert.equal((await db.query('update public.t_counts set x = x + 1 where x > 1')).rowCount, 2);
    assert.equal((await db.query('select * from public.t_counts')).rowCount, 3);
    assert.equal((await db.query('delete from public.t_counts')).rowCount, 3);
  });
});

describe('PGlite and Postgres agree', { skip: skipWithoutPostgres() }, () => {
  let embedded: TestDb;
  before(async () => {
    embedded = await createEmbeddedTestDb();
  });
  after(() => embedded.dispose());

  test('the same queries give deep-equal values on both adapters', async () => {
    const url = postgresUrl();
    assert.ok(url !== undefined);
    const postgres = await openPostgresDb({ url, max: 1 });
    try {
      assert.deepEqual(await sample(embedded), await sample(postgres));
    } finally {
      await postgres.close();
    }
  });
});
