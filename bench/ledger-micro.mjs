#!/usr/bin/env node
// The usage ledger's own cost, isolated from HTTP: `node bench/ledger-micro.mjs` (after `npm run build`).
//
// Drives the real UsageRecorder + UsageWriter (dist/) the way the gateway does, against a fresh
// Postgres database (created through DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres,
// migrated, dropped after): N attempts begin and end with provider-reported usage (the bench mock's
// usage object), in bursts of LEDGER_MICRO_BURST (default 50) with a macrotask between bursts, so
// the writer flushes by count and by time as under load. Prints per row:
//   - request path: the recorder's work per attempt (begin → end → priced row pushed), CPU µs;
//   - gateway total: the Node process' CPU µs (request path + the writer's encoding + the pg driver);
//   - Postgres: CPU µs of this database's backends (from /proc, so Postgres must run on this host),
//     i.e. the insert, its indexes, foreign keys and the rollup trigger.
// Each figure also says how much of it was garbage collection (the VM's gc performance entries).
// CPU time, not wall time: far less sensitive to a loaded machine than req/s. Repeat with
// LEDGER_MICRO_ROWS (default 100000) and LEDGER_MICRO_RUNS (default 3; the median is printed).
import { spawnSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (file) => import(path.join(ROOT, 'dist', file));
const { openPostgresDb } = await dist('db/postgres-adapter.js');
const { migrate } = await dist('db/migrate.js');
const { selectPriceHistory } = await dist('db/sql/price-history.js');
const { PriceBook } = await dist('registry/price-book.js');
const { UsageRecorder } = await dist('usage/usage-recorder.js');
const { UsageWriter } = await dist('usage/usage-writer.js');
const { loadUsageSettings } = await dist('config.js');
const { countUsageRow, UsageCounters } = await dist('usage/reports/usage-counters.js');

const ROWS = Number(process.env.LEDGER_MICRO_ROWS ?? 100_000);
const RUNS = Number(process.env.LEDGER_MICRO_RUNS ?? 3);
const BURST = Number(process.env.LEDGER_MICRO_BURST ?? 50);
/** Rows per second to drive at (0: as fast as the process can, so the writer falls behind Postgres). */
const RATE = Number(process.env.LEDGER_MICRO_RATE ?? 0);
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const ticksPerSecond = 100;
function procCpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
  } catch {
    return 0;
  }
}

const cpuNow = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

async function backendsCpu(adminDb, name) {
  const { rows } = await adminDb.query('select pid from pg_stat_activity where datname = $1', [name]);
  let sum = 0;
  for (const row of rows) sum += procCpuMicros(row.pid);
  return { sum, pids: rows.map((row) => row.pid) };
}

/** CPU of every local `postgres` process (backends, WAL writer, checkpointer …), µs. */
function serverCpu() {
  const found = spawnSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' });
  let sum = 0;
  for (const pid of (found.stdout ?? '').split('\n').filter((line) => /^\d+$/.test(line))) sum += procCpuMicros(pid);
  return sum;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Time spent in garbage collection (ms, all kinds), from the VM's gc performance entries.
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });
/** GC ms so far, once the observer has been told of every collection until now. */
const gcNow = () => new Promise((resolve) => setImmediate(() => resolve(gcMs)));

async function run(index) {
  const name = `sb_micro_${Date.now()}_${process.pid}_${index}`;
  await withClient(adminUrl, (admin) => admin.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openPostgresDb({ url: url.toString() });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await migrate(db);
    const priceRows = await selectPriceHistory(db);
    const book = new PriceBook(priceRows);
    const { rows: models } = await db.query(
      `select m.id, m.name, m.model_id as "modelId", p.id as "providerId", p.name as "providerName"
         from public.ai_models m join public.ai_providers p on p.id = m.provider_id where m.name = 'gpt-4o-mini'`,
    );
    const found = models[0];
    if (!found) throw new Error('seeded model gpt-4o-mini not found');
    const model = { id: found.id, name: found.name, modelId: found.modelId };
    const provider = { id: found.providerId, name: found.providerName, className: 'OpenAIProvider' };

    // Request path only: a writer whose database swallows the rows.
    const nullDb = { query: async () => ({ rows: [], rowCount: 0 }), exec: async () => {} };
    // As the gateway wires it: every row also counted for /metrics.
    const counters = new UsageCounters();
    const onRow = (row, costPico) => countUsageRow(counters, row, costPico, () => undefined);
    const nullRecorder = new UsageRecorder({ writer: new UsageWriter(nullDb, { flushRows: 500 }), prices: () => book, onRow });
    const settings = loadUsageSettings(process.env);
    const recorder = new UsageRecorder({ writer: new UsageWriter(db, settings), prices: () => book, onRow });

    const usage = (i) => {
      const raw = { prompt_tokens: 24, completion_tokens: 20, total_tokens: 44 };
      const buckets = { input: 24, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 20 + (i % 3), reasoning: 0 };
      return { inputTokens: 24, outputTokens: buckets.output, totalTokens: 24 + buckets.output, buckets, raw };
    };
    // The longest time between two bursts: a writer that encodes and sends a whole batch in one
    // synchronous slice shows here as a stall every request in flight would wait out.
    const drive = async (target, prefix) => {
      const gaps = new Float64Array(Math.ceil(ROWS / BURST));
      let mark = performance.now();
      const started = mark;
      for (let i = 0; i < ROWS; i += 1) {
        const attempt = target.begin(
          { requestId: `${prefix}-${i}`, projectId: null, apiKeyId: null, receivedAt: performance.now() - 0.2, signal: undefined },
          'gpt-4o-mini', 'chat', false, model, provider,
        );
        attempt.upstreamMs = 0.5;
        attempt.end({ status: 200, errorCode: null, incomplete: false, usage: usage(i), estimate: undefined });
        if (i % BURST === BURST - 1) {
          // Paced (LEDGER_MICRO_RATE rows/s): the next burst waits for its time, so Postgres keeps up.
          const due = RATE > 0 ? started + ((i + 1) * 1000) / RATE - performance.now() : 0;
          await new Promise((resolve) => (due > 1 ? setTimeout(resolve, due) : setImmediate(resolve)));
          const now = performance.now();
          gaps[Math.floor(i / BURST)] = now - mark;
          mark = now;
        }
      }
      return gaps.sort();
    };
    const stall = (gaps) => ({ p99: gaps[Math.floor(gaps.length * 0.99)], max: gaps[gaps.length - 1] });

    // Warm up the JIT on the request path.
    await drive(nullRecorder, 'warm');
    let gcBefore = await gcNow();
    let before = cpuNow();
    const nullStall = stall(await drive(nullRecorder, 'null'));
    const requestPath = (cpuNow() - before) / ROWS;
    const requestPathGc = ((await gcNow()) - gcBefore) * 1000 / ROWS;

    const pgBefore = await backendsCpu(admin, name);
    const serverBefore = serverCpu();
    gcBefore = await gcNow();
    before = cpuNow();
    const wallBefore = performance.now();
    const realStall = stall(await drive(recorder, 'real'));
    await recorder.close();
    const gateway = (cpuNow() - before) / ROWS;
    const gatewayGc = ((await gcNow()) - gcBefore) * 1000 / ROWS;
    const wallMs = performance.now() - wallBefore;
    const pgAfter = await backendsCpu(admin, name);
    const server = (serverCpu() - serverBefore) / ROWS;
    const postgres = (pgAfter.sum - pgBefore.sum) / ROWS;
    const { rows: counted } = await db.query('select (select count(*) from public.ai_usage)::int as n, (select sum(requests) from public.ai_usage_hourly)::int as r');
    if (counted[0].n !== ROWS || counted[0].r !== ROWS) throw new Error(`ledger holds ${counted[0].n} rows, rollups ${counted[0].r}, for ${ROWS}`);
    return { requestPath, gateway, postgres, server, wallMs, nullStall, realStall, requestPathGc, gatewayGc };
  } finally {
    await db.close().catch(() => {});
    await admin.end().catch(() => {});
    await withClient(adminUrl, (client) => client.query(`drop database if exists "${name}" with (force)`)).catch(() => {});
  }
}

const results = [];
for (let index = 0; index < RUNS; index += 1) {
  const result = await run(index);
  results.push(result);
  process.stderr.write(
    `run ${index + 1}: request path ${result.requestPath.toFixed(1)} µs/row (GC ${result.requestPathGc.toFixed(1)}), gateway total ${result.gateway.toFixed(1)} µs/row (GC ${result.gatewayGc.toFixed(1)}), Postgres ${result.postgres.toFixed(1)} µs/row (whole server ${result.server.toFixed(1)}), ${Math.round(result.wallMs)} ms; pause between bursts p99/max: ${result.nullStall.p99.toFixed(2)}/${result.nullStall.max.toFixed(2)} ms without the writer, ${result.realStall.p99.toFixed(2)}/${result.realStall.max.toFixed(2)} ms with it\n`,
  );
}
const pick = (key) => median(results.map((result) => result[key]));
process.stdout.write(
  `ledger micro (${ROWS} rows × ${RUNS} runs, median): request path ${pick('requestPath').toFixed(1)} µs/row (GC ${pick('requestPathGc').toFixed(1)}), gateway total ${pick('gateway').toFixed(1)} µs/row (GC ${pick('gatewayGc').toFixed(1)}), Postgres backends ${pick('postgres').toFixed(1)} µs/row, whole Postgres server ${pick('server').toFixed(1)} µs/row\n`,
);
