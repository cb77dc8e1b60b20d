import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DatabaseError } from '../../src/errors.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

describe('Db adapter (on the database under test)', () => {
  let db: TestDb;
  before(async () => {
    db = await createTestDb();
    await db.exec(`
      create table public.t_items (id int primary key, label text not null check (label <> ''));
      create table public.t_children (item_id int not null references public.t_items (id));
    `);
  });
  after(() => db.dispose());

  test('a transaction commits when its work resolves', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.query('insert into public.t_items (id, label) values ($1, $2)', [1, 'one']);
      return (await tx.query<{ n: string }>('select count(*) as n from public.t_items')).rows[0]?.n;
    });
    assert.equal(result, '1');
    assert.equal((await db.query('select * from public.t_items where id = 1')).rowCount, 1);
  });

  test('a transaction rolls back when its work throws, and rethrows', async () => {
    const failure = new Error('boom');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('insert into public.t_items (id, label) values ($1, $2)', [2, 'two']);
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.equal((await db.query('select * from public.t_items where id = 2')).rowCount, 0);
  });

  test('a failing statement inside a transaction rolls back the earlier ones', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('insert into public.t_items (id, label) values (3, $1)', ['three']);
        await tx.query('insert into public.t_items (id, label) values (3, $1)', ['again']);
      }),
      (error) => error instanceof DatabaseError && error.code === 'conflict',
    );
    assert.equal((await db.query('select * from public.t_items where id = 3')).rowCount, 0);
  });

  test('committing after a caught failed statement throws instead of keeping half the writes', async () => {
    const error = await db
      .transaction(async (tx) => {
        await tx.query(`insert into public.t_items (id, label) values (30, 'kept?')`);
        await tx.query('select 1/0').catch(() => undefined);
      })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof DatabaseError, String(error));
    assert.equal(error.sqlState, '25P02');
    assert.equal((await db.query('select * from public.t_items where id = 30')).rowCount, 0);
  });

  test('unique violation → conflict (409) with sqlState and constraint', async () => {
    await db.query(`insert into public.projects (name) values ('acme')`);
    const error = await db.query(`insert into public.projects (name) values ('acme')`).catch((caught: unknown) => caught);
    assert.ok(error instanceof DatabaseError);
    assert.equal(error.code, 'conflict');
    assert.equal(error.status, 409);
    assert.equal(error.sqlState, '23505');
    assert.equal(error.constraint, 'projects_name_key');
    assert.equal(error.isRetryable, false);
    assert.match(error.message, /projects_name_key/);
  });

  test('foreign key violation → conflict', async () => {
    const error = await db.query('insert into public.t_children (item_id) values (999)').catch((caught: unknown) => caught);
    assert.ok(error instanceof DatabaseError);
    assert.equal(error.code, 'conflict');
    assert.equal(error.sqlState, '23503');
    assert.equal(error.constraint, 't_children_item_id_fkey');
  });

  test('check, not-null and bad input → invalid_request (400)', async () => {
    const cases: [string, string][] = [
      [`insert into public.t_items (id, label) values (10, '')`, '23514'],
      [`insert into public.t_items (id, label) values (11, null)`, '23502'],
      [`select 'abc'::int`, '22P02'],
      [`insert into public.projects (name) values ('Not A Slug')`, '23514'],
    ];
    for (const [sql, sqlState] of cases) {
      const error = await db.query(sql).catch((caught: unknown) => caught);
      assert.ok(error instanceof DatabaseError, sql);
      assert.equal(error.code, 'invalid_request', sql);
      assert.equal(error.status, 400);
      assert.equal(error.sqlState, sqlState, sql);
    }
  });

  test('other errors → database_error, keeping the Postgres message', async () => {
    const error = await db.query('select * from public.no_such_table').catch((caught: unknown) => caught);
    assert.ok(error instanceof DatabaseError);
    assert.equal(error.code, 'database_error');
    assert.equal(error.sqlState, '42P01');
    assert.match(error.message, /no_such_table/);
  });

  test('exec runs several statements; query runs one with parameters', async () => {
    await db.exec(`insert into public.t_items values (20, 'a'); insert into public.t_items values (21, 'b');`);
    const { rows } = await db.query<{ label: string }>('select label from public.t_items where id = any($1::int[]) order by id', [[20, 21]]);
    assert.deepEqual(rows, [{ label: 'a' }, { label: 'b' }]);
  });

  test('listen receives pg_notify payloads until unsubscribed', async () => {
    const received: string[] = [];
    let wake: () => void = () => undefined;
    const unlisten = await db.listen('switchboard_test', (payload) => {
      received.push(payload);
      wake();
    });
    const arrived = new Promise<void>((resolve) => {
      wake = resolve;
    });
    await db.query(`select pg_notify('switchboard_test', $1)`, ['hello']);
    await Promise.race([arrived, new Promise((_, reject) => setTimeout(() => reject(new Error('no notification within 5s')), 5_000))]);
    assert.deepEqual(received, ['hello']);

    await unlisten();
    await db.query(`select pg_notify('switchboard_test', 'ignored')`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(received, ['hello']);
  });

  test('listen refuses channel names the two drivers would treat differently', async () => {
    for (const channel of ['Mixed', 'a.b', 'x"; drop', '']) {
      await assert.rejects(db.listen(channel, () => undefined), (error) => error instanceof DatabaseError && error.code === 'invalid_request');
    }
  });

  test('a notification sent inside a transaction arrives after commit', async () => {
    const received: string[] = [];
    const unlisten = await db.listen('switchboard_tx', (payload) => received.push(payload));
    try {
      await db.transaction(async (tx) => {
        await tx.query(`select pg_notify('switchboard_tx', 'committed')`);
      });
      const deadline = Date.now() + 5_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(received, ['committed']);
    } finally {
      await unlisten();
    }
  });

  test('the config change feed notifies on provider writes', async () => {
    const received: string[] = [];
    const unlisten = await db.listen('switchboard_config', (payload) => received.push(payload));
    try {
      await db.query(`update public.ai_providers set display_name = 'Groq Cloud' where name = 'groq'`);
      const deadline = Date.now() + 5_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const payload: unknown = JSON.parse(received[0] ?? 'null');
      assert.deepEqual(typeof payload === 'object' && payload !== null && 'table' in payload ? payload.table : undefined, 'ai_providers');
    } finally {
      await unlisten();
    }
  });
});
