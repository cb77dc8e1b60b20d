// The configuration history (GET /admin/v1/history, POST /admin/v1/history/{id}/revert) over the
// real stack: changes by the admin API, the CLI's admin service and plain SQL are recorded with
// their actor, secrets never enter the history, a revert applies the inverse as a new change (and
// /v1 follows), impossible reverts are 409 saying why, and the table is append-only and locked down.
// PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CredentialStore } from '../../src/credentials/credential-store.js';
import { actorDb } from '../../src/db/actor-db.js';
import { AdminService } from '../../src/service/admin/admin-service.js';
import type { HistoryEntry } from '../../src/db/sql/config-history.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ADMIN_TOKEN, startDashboardServer, type DashboardServer, type ErrorBody } from './dashboard-harness.js';

interface Page {
  data: HistoryEntry[];
  next_before: string | null;
}

describe('admin API: config history and revert', () => {
  let db: TestDb;
  let server: DashboardServer;

  before(async () => {
    db = await createTestDb();
    server = await startDashboardServer(db);
  });
  after(async () => {
    await server?.close();
    await db?.dispose();
  });

  test('records admin API, CLI and SQL changes with their actor; filters and keyset pages', async () => {
    // Migrations' own updates of seeded rows are history too (actor sql): this test reads from here on.
    const since = (await db.query<{ now: Date }>('select now()')).rows[0]?.now.toISOString() ?? '';
    const created = await server.post('/providers', { name: 'hist-openai', provider_class: 'OpenAIProvider', api_base_url: 'http://127.0.0.1:9/v1' });
    assert.equal(created.status, 201);
    const cli = new AdminService({
      db,
      credentials: new CredentialStore(db, undefined, {}),
      knownClasses: () => ['OpenAIProvider'],
      onChange: async () => {},
      actor: 'cli',
    });
    await cli.createModel({ name: 'hist-cli-model', provider: 'hist-openai', model_id: 'gpt-4o-mini' });
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'hist-sql-model', id, 'gpt-4o' from public.ai_providers where name = 'hist-openai'`);

    const page = await server.get<Page>('/history?limit=3');
    assert.equal(page.status, 200);
    assert.deepEqual(
      page.body.data.map((entry) => [entry.table, entry.op, entry.actor, (entry.after as { name: string }).name]),
      [
        ['ai_models', 'insert', 'sql', 'hist-sql-model'],
        ['ai_models', 'insert', 'cli', 'hist-cli-model'],
        ['ai_providers', 'insert', 'admin-api', 'hist-openai'],
      ],
    );
    assert.equal(page.body.data[0]?.before, null);
    assert.equal(typeof page.body.data[0]?.db_user, 'string');
    assert.equal(page.body.next_before, page.body.data[2]?.id);
    const next = await server.get<Page>(`/history?limit=3&before=${page.body.next_before}`);
    assert.ok(next.body.data.every((entry) => Number(entry.id) < Number(page.body.next_before)));

    const bySql = await server.get<Page>(`/history?actor=sql&table=ai_models&since=${since}`);
    assert.deepEqual(bySql.body.data.map((entry) => (entry.after as { name: string }).name), ['hist-sql-model']);
    const row = page.body.data[0]?.row_id as string;
    const byRow = await server.get<Page>(`/history?row=${row}`);
    assert.deepEqual(byRow.body.data.map((entry) => entry.row_id), [row]);
    const future = await server.get<Page>(`/history?since=${new Date(Date.now() + 3_600_000).toISOString()}`);
    assert.deepEqual(future.body.data, []);
    // The CLI's direct writes (projects, keys, credentials commands) go through the same declaration.
    await actorDb(db, 'cli').query(`insert into public.projects (name) values ('hist-cli-project')`);
    const [cliProject] = (await server.get<Page>('/history?table=projects&limit=1')).body.data;
    assert.deepEqual([cliProject?.actor, (cliProject?.after as { name: string }).name], ['cli', 'hist-cli-project']);
  });

  test('a revert of a SQL insert removes the row through a new admin-api change; /v1 stops serving it', async () => {
    await server.switchboard.reload();
    assert.ok(server.switchboard.models().some((model) => model.name === 'hist-sql-model'));
    const [insert] = (await server.get<Page>('/history?actor=sql&table=ai_models&limit=1')).body.data;
    assert.ok(insert);
    const reverted = await server.post<{ reverted: string; change: HistoryEntry }>(`/history/${insert.id}/revert`);
    assert.equal(reverted.status, 200, JSON.stringify(reverted.body));
    assert.equal(reverted.body.reverted, insert.id);
    assert.equal(reverted.body.change.op, 'delete');
    assert.equal(reverted.body.change.actor, 'admin-api');
    assert.equal(reverted.body.change.row_id, insert.row_id);
    assert.ok(Number(reverted.body.change.id) > Number(insert.id));
    assert.equal((await db.query(`select 1 from public.ai_models where name = 'hist-sql-model'`)).rowCount, 0);
    assert.equal(server.switchboard.models().some((model) => model.name === 'hist-sql-model'), false);

    // Reverting the same change again: the row changed since (it is gone).
    const again = await server.post<ErrorBody>(`/history/${insert.id}/revert`);
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /changed since/);
    // Reverting the delete brings it back, with its id and columns.
    const undo = await server.post<{ change: HistoryEntry }>(`/history/${reverted.body.change.id}/revert`);
    assert.equal(undo.status, 200, JSON.stringify(undo.body));
    assert.equal(undo.body.change.op, 'insert');
    assert.deepEqual(undo.body.change.after, insert.after);
  });

  test('a revert of an update restores the changed columns only', async () => {
    const patched = await server.post('/models/hist-cli-model/deactivate');
    assert.equal(patched.status, 200);
    await db.query(`update public.ai_models set display_name = 'Shown' where name = 'hist-cli-model'`);
    const [displayChange] = (await server.get<Page>('/history?actor=sql&table=ai_models&limit=1')).body.data;
    assert.ok(displayChange);
    assert.equal(displayChange.op, 'update');
    const reverted = await server.post<{ change: HistoryEntry }>(`/history/${displayChange.id}/revert`);
    assert.equal(reverted.status, 200, JSON.stringify(reverted.body));
    const row = (await db.query<{ display_name: string | null; is_active: boolean }>(`select display_name, is_active from public.ai_models where name = 'hist-cli-model'`)).rows[0];
    assert.deepEqual(row, { display_name: null, is_active: false });
  });

  test('secrets never enter the history; reverts that need them are 409', async () => {
    await server.post('/projects', { name: 'hist-project' });
    const secret = 'sk-history-secret-0123456789abcdef';
    const stored = await fetch(`${server.origin}/admin/v1/projects/hist-project/credentials/hist-openai`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: secret }),
    });
    assert.equal(stored.status, 200);
    const key = await server.post<{ key: string; id: string }>('/api-keys', { project: 'hist-project', name: 'k' });
    assert.equal(key.status, 201);
    const all = JSON.stringify((await db.query('select before, after from public.switchboard_config_history')).rows);
    assert.equal(all.includes(secret), false);
    assert.equal(all.includes(key.body.key), false);
    const envelope = (await db.query<{ credentials: string; key_hash: string }>(
      `select c.credentials, k.key_hash from public.ai_provider_credentials c, public.api_keys k where k.id = $1`,
      [key.body.id],
    )).rows[0];
    assert.ok(envelope);
    assert.equal(all.includes(envelope.credentials), false);
    assert.equal(all.includes(envelope.key_hash), false);
    const [credential] = (await server.get<Page>('/history?table=ai_provider_credentials')).body.data;
    assert.ok(credential);
    assert.deepEqual(Object.keys(credential.after ?? {}).sort(), ['created_at', 'fingerprint', 'id', 'key_hint', 'project_id', 'provider_id', 'updated_at']);

    // Rotating the secret is recorded (the fingerprint changes), but cannot be reverted.
    await fetch(`${server.origin}/admin/v1/projects/hist-project/credentials/hist-openai`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'sk-history-second-0123456789abcdef' }),
    });
    const [rotation] = (await server.get<Page>('/history?table=ai_provider_credentials&limit=1')).body.data;
    assert.equal(rotation?.op, 'update');
    const refused = await server.post<ErrorBody>(`/history/${rotation?.id}/revert`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /never keeps a credential's secret/);

    // A revoked key can be un-revoked by reverting the revoke; a deleted one cannot come back.
    assert.equal((await fetch(`${server.origin}/admin/v1/api-keys/${key.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 200);
    const [revoke] = (await server.get<Page>(`/history?table=api_keys&row=${key.body.id}&limit=1`)).body.data;
    assert.equal(revoke?.op, 'update');
    assert.equal((await server.post(`/history/${revoke?.id}/revert`)).status, 200);
    assert.equal((await db.query(`select 1 from public.api_keys where id = $1 and revoked_at is null`, [key.body.id])).rowCount, 1);
    await db.query(`delete from public.api_keys where id = $1`, [key.body.id]);
    const [deleted] = (await server.get<Page>(`/history?table=api_keys&row=${key.body.id}&limit=1`)).body.data;
    const noHash = await server.post<ErrorBody>(`/history/${deleted?.id}/revert`);
    assert.equal(noHash.status, 409);
    assert.match(noHash.body.error.message, /never keeps a key's hash/);
  });

  test('a revert the database refuses (foreign key gone) is 409 saying so', async () => {
    await db.query(`insert into public.ai_providers (name, provider_class) values ('hist-gone', 'OpenAIProvider')`);
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'hist-orphan', id, 'x' from public.ai_providers where name = 'hist-gone'`);
    await db.query(`delete from public.ai_models where name = 'hist-orphan'`);
    const [modelDelete] = (await server.get<Page>('/history?table=ai_models&limit=1')).body.data;
    await db.query(`delete from public.ai_providers where name = 'hist-gone'`);
    const refused = await server.post<ErrorBody>(`/history/${modelDelete?.id}/revert`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /refused/);
    assert.equal((await db.query(`select 1 from public.ai_models where name = 'hist-orphan'`)).rowCount, 0);
  });

  test('the history is append-only and locked down', async () => {
    await assert.rejects(db.query('update public.switchboard_config_history set actor = $1', ['cli']), /append-only/);
    await assert.rejects(db.query('delete from public.switchboard_config_history'), /append-only/);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('set local role switchboard_runtime');
        await tx.query('select count(*) from public.switchboard_config_history');
      }),
      /permission denied/,
    );
    const { rows } = await db.query<{ relforcerowsecurity: boolean }>(`select relforcerowsecurity from pg_class where oid = 'public.switchboard_config_history'::regclass`);
    assert.equal(rows[0]?.relforcerowsecurity, true);
  });

  test('routes, their targets, budgets, rate limits and key allow-lists are in the history too; a weight change reverts', async () => {
    await db.query(`insert into public.projects (name) values ('hist-gov')`);
    await db.query(`insert into public.ai_routes (name) values ('hist-route')`);
    await db.query(
      `insert into public.ai_route_targets (route_id, model_id, weight)
       select r.id, m.id, 90 from public.ai_routes r, public.ai_models m where r.name = 'hist-route' and m.name = 'hist-cli-model'`,
    );
    await db.query(`update public.ai_route_targets set weight = 50 where weight = 90`);
    await db.query(`insert into public.ai_budgets (name, project_id, limit_usd) select 'hist-budget', id, 10 from public.projects where name = 'hist-gov'`);
    await db.query(
      `insert into public.api_keys (project_id, name, key_hash, prefix, label, allowed_models)
       select id, 'hist-key', 'not-a-real-hash-0123456789', 'sk-sb-hist', 'team-a', array['hist-route'] from public.projects where name = 'hist-gov'`,
    );
    const page = await server.get<Page>('/history?limit=20&actor=sql');
    const tables = new Set(page.body.data.map((entry) => entry.table));
    for (const table of ['ai_routes', 'ai_route_targets', 'ai_budgets', 'api_keys']) assert.ok(tables.has(table), `${table} in ${[...tables].join(', ')}`);
    const weightChange = page.body.data.find((entry) => entry.table === 'ai_route_targets' && entry.op === 'update');
    assert.equal((weightChange?.before as { weight: number }).weight, 90);
    const reverted = await server.post(`/history/${weightChange?.id}/revert`);
    assert.equal(reverted.status, 200);
    const { rows } = await db.query<{ weight: number }>(`select weight from public.ai_route_targets t join public.ai_routes r on r.id = t.route_id where r.name = 'hist-route'`);
    assert.equal(Number(rows[0]?.weight), 90);
    const key = page.body.data.find((item) => item.table === 'api_keys');
    assert.deepEqual([(key?.after as { label: string }).label, (key?.after as { allowed_models: string[] }).allowed_models], ['team-a', ['hist-route']]);
    assert.equal(JSON.stringify(key).includes('not-a-real-hash'), false, 'no key hash in the history');
  });

  test('auth and bad input', async () => {
    for (const path of ['/history', '/history/1/revert']) {
      for (const token of [null, 'wrong']) {
        const answer = path.endsWith('revert') ? await server.post(path, undefined, token) : await server.get(path, token);
        assert.equal(answer.status, 401, path);
      }
    }
    for (const [path, param] of [
      ['/history?limit=0', 'limit'],
      ['/history?limit=201', 'limit'],
      ['/history?before=abc', 'before'],
      ['/history?actor=root', 'actor'],
      ['/history?since=yesterday', 'since'],
      ['/history?table=x;drop', 'table'],
      ['/history?colour=red', 'colour'],
    ] as const) {
      const answer = await server.get<ErrorBody>(path);
      assert.equal(answer.status, 400, path);
      assert.equal(answer.body.error.param, param, path);
    }
    assert.equal((await server.post('/history/999999999/revert')).status, 404);
    assert.equal((await server.post('/history/abc/revert')).status, 404);
  });
});
