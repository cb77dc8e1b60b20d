// The dashboard's instance, status and live routes over the real stack: GET /admin/v1/instances
// (each instance reports its version and apply time through the database, on its heartbeat, and
// leaves on stop), GET /admin/v1/status (the snapshot's counts and the rows that failed to load,
// with reasons), GET /admin/v1/events (server-sent events: config live after a change made
// with plain SQL, usage when ledger rows appear, instances when one joins; heartbeats; bounded
// streams; clean end on shutdown). PGlite, and Postgres when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ADMIN_TOKEN, startDashboardServer, type DashboardServer, type ErrorBody } from './dashboard-harness.js';

interface Instance {
  id: string;
  hostname: string;
  pid: number;
  config_version: number;
  applied_at: string;
  last_seen: string;
  apply_lag_ms: number | null;
  alive: boolean;
}

/** Reads an SSE stream; `next(name)` resolves with the data of the next event of that name. */
async function openEvents(origin: string, token: string | null = ADMIN_TOKEN): Promise<{
  response: Response;
  next(name: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  text(): string;
  close(): void;
}> {
  const controller = new AbortController();
  const response = await fetch(`${origin}/admin/v1/events`, { headers: token === null ? {} : { authorization: `Bearer ${token}` }, signal: controller.signal });
  let buffer = '';
  let all = '';
  const waiting: { name: string; resolve: (data: Record<string, unknown>) => void }[] = [];
  const events: { name: string; data: Record<string, unknown> }[] = [];
  const deliver = (): void => {
    for (let index = 0; index < waiting.length; ) {
      const waiter = waiting[index] as (typeof waiting)[number];
      const found = events.findIndex((event) => event.name === waiter.name);
      if (found === -1) {
        index++;
        continue;
      }
      const [event] = events.splice(found, 1);
      waiting.splice(index, 1);
      waiter.resolve((event as (typeof events)[number]).data);
    }
  };
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          const text = decoder.decode(chunk, { stream: true });
          buffer += text;
          all += text;
          let end;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const name = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (name && data) events.push({ name, data: JSON.parse(data) as Record<string, unknown> });
          }
          deliver();
        }
      } catch {
        // Aborted by close().
      }
    })();
  }
  return {
    response,
    next: (name, timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no '${name}' event within ${timeoutMs} ms; got: ${all}`)), timeoutMs);
        waiting.push({
          name,
          resolve: (data) => {
            clearTimeout(timer);
            resolve(data);
          },
        });
        deliver();
      }),
    text: () => all,
    close: () => controller.abort(),
  };
}

describe('admin API: instances, status and live events', () => {
  let db: TestDb;
  let server: DashboardServer;

  before(async () => {
    db = await createTestDb();
    await db.query(`insert into public.ai_providers (name, provider_class, api_base_url) values ('live-openai', 'OpenAIProvider', 'http://127.0.0.1:9/v1')`);
    await db.query(`insert into public.ai_providers (name, provider_class) values ('live-broken', 'NoSuchProvider')`);
    await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'live-model', id, 'gpt-4o-mini' from public.ai_providers where name = 'live-openai'`);
    await db.query(`insert into public.ai_models (name, provider_id, model_id, pricing) select 'live-bad-price', id, 'x', '{"input_per_mtok": "free"}' from public.ai_providers where name = 'live-openai'`);
    server = await startDashboardServer(db, { listen: true, heartbeatMs: 200, maxEventStreams: 2 });
  });
  after(async () => {
    await server?.close();
    await db?.dispose();
  });

  test('status: the version, counts and every row that failed to load with its reason', async () => {
    const status = await server.get<{
      config_version: number;
      instance_id: string;
      loaded: { providers: number; models: number; keys: number };
      load_errors: { table: string; row_id: string; name: string; reason: string }[];
    }>('/status');
    assert.equal(status.status, 200);
    assert.equal(status.body.config_version, server.switchboard.watcher.snapshot.version);
    assert.equal(status.body.instance_id, server.instance.id);
    assert.ok(status.body.loaded.models >= 1);
    const broken = status.body.load_errors.find((error) => error.name === 'live-broken');
    assert.equal(broken?.table, 'ai_providers');
    assert.match(broken?.reason ?? '', /unknown provider_class 'NoSuchProvider'/);
    const badPrice = status.body.load_errors.find((error) => error.name === 'live-bad-price');
    assert.equal(badPrice?.table, 'ai_models');
    assert.match(badPrice?.reason ?? '', /pricing/);
    assert.equal(status.body.load_errors.some((error) => error.name === 'live-model'), false);
  });

  test('instances: this instance with its version; a second one joins, applies a change and leaves', async () => {
    const first = await server.get<{ data: Instance[]; current_version: number }>('/instances');
    assert.equal(first.status, 200);
    const self = first.body.data.find((instance) => instance.id === server.instance.id);
    assert.ok(self, JSON.stringify(first.body));
    assert.equal(self.pid, process.pid);
    assert.equal(self.alive, true);
    assert.equal(self.config_version, server.switchboard.watcher.snapshot.version);
    assert.equal(first.body.current_version, server.switchboard.watcher.snapshot.version);

    const other = await startDashboardServer(db, { listen: true, heartbeatMs: 200 });
    try {
      const events = await openEvents(server.origin);
      try {
        await db.query(`update public.ai_models set display_name = 'Live' where name = 'live-model'`);
        const config = await events.next('config');
        const version = Number(config['version']);
        assert.equal(version, server.switchboard.watcher.snapshot.version);
        // Both instances report the new version; the lag is measured on the database clock.
        let rows: Instance[] = [];
        for (let attempt = 0; attempt < 30; attempt++) {
          rows = (await server.get<{ data: Instance[] }>('/instances')).body.data;
          if (rows.filter((row) => row.config_version === version).length === 2) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const updated = rows.filter((row) => row.config_version === version);
        assert.equal(updated.length, 2, JSON.stringify(rows));
        for (const row of updated) {
          assert.equal(typeof row.apply_lag_ms, 'number');
          assert.ok((row.apply_lag_ms as number) >= 0 && (row.apply_lag_ms as number) < 2000, String(row.apply_lag_ms));
        }
      } finally {
        events.close();
      }
    } finally {
      await other.close();
    }
    const after = (await server.get<{ data: Instance[] }>('/instances')).body.data;
    assert.equal(after.some((row) => row.id === other.instance.id), false, 'a stopped instance removes its row');
  });

  test('events: config live after a SQL insert (the delay logged), usage when ledger rows appear, instances on a join', async () => {
    const events = await openEvents(server.origin);
    try {
      assert.equal(events.response.status, 200);
      assert.match(events.response.headers.get('content-type') ?? '', /^text\/event-stream/);
      const started = Date.now();
      await db.query(`insert into public.ai_models (name, provider_id, model_id) select 'live-sql-model', id, 'gpt-4o' from public.ai_providers where name = 'live-openai'`);
      // Milliseconds; `next` fails after 10 s (a busy CI machine), the delay is only logged.
      const config = await events.next('config', 10_000);
      console.log(`the config event arrived after ${Date.now() - started} ms`);
      assert.equal(config['version'], server.switchboard.watcher.snapshot.version);
      assert.ok(server.switchboard.models().some((model) => model.name === 'live-sql-model'));

      await db.query(
        `insert into public.ai_usage (request_id, started_at, ended_at, requested_model, endpoint, status, usage_source)
         values ('live-req', now(), now(), 'live-model', 'chat', 200, 'none')`,
      );
      const usage = await events.next('usage', 10_000);
      assert.match(String(usage['last_id']), /^\d+$/);

      const joined = await startDashboardServer(db, { heartbeatMs: 200 });
      try {
        await events.next('instances', 10_000);
      } finally {
        await joined.close();
      }
      assert.match(events.text(), /^retry: 2000\n: connected\n\n/);
    } finally {
      events.close();
    }
  });

  test('events: 401 without the token, 400 with parameters, 429 past the stream limit; streams end on shutdown', async () => {
    assert.equal((await openEvents(server.origin, null)).response.status, 401);
    assert.equal((await openEvents(server.origin, 'wrong')).response.status, 401);
    const withParams = await fetch(`${server.origin}/admin/v1/events?x=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(withParams.status, 400);
    assert.equal(((await withParams.json()) as ErrorBody).error.param, 'x');
    const streams = [await openEvents(server.origin), await openEvents(server.origin)];
    const third = await fetch(`${server.origin}/admin/v1/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(third.status, 429);
    for (const stream of streams) stream.close();
    // A closed stream frees its slot.
    let reopened: Response | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      reopened = await fetch(`${server.origin}/admin/v1/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (reopened.status === 200) break;
      await reopened.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(reopened?.status, 200);
    await reopened?.body?.cancel();

    const other = await startDashboardServer(db);
    const open = await openEvents(other.origin);
    const started = Date.now();
    await other.close();
    assert.ok(Date.now() - started < 3000, 'shutdown does not wait for event streams');
    open.close();
    assert.equal(server.admin.dashboard?.events.size ?? 0, 0);
  });

  test('instances and status: 401 without the token', async () => {
    for (const path of ['/instances', '/status']) {
      assert.equal((await server.get(path, null)).status, 401, path);
      assert.equal((await server.get(path, 'wrong')).status, 401, path);
    }
  });
});
