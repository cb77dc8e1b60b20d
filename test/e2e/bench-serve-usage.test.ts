// `switchboard bench-serve --usage-database-url`: the bench gateway records every attempt in the
// Postgres ledger (with costs from the seeded prices) and flushes it on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'switchboard.js');
const KEY = 'sk-bench-usage-test-key-0123456789';
const REQUESTS = 20;

let db: TestDb | undefined;
let mock: OpenAIMock | undefined;
let child: ChildProcess | undefined;

before(async () => {
  if (skipWithoutPostgres()) return;
  db = await createTestDb();
  mock = await startOpenAIMock({ apiKeys: ['sk-bench-upstream'] });
});
after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await mock?.close();
  await db?.dispose();
});

/** Starts bench-serve on a free port; resolves with its origin once it prints its address. */
async function startBenchServe(usageUrl: string, upstream: string): Promise<{ process: ChildProcess; origin: string }> {
  const proc = spawn(process.execPath, [BIN, 'bench-serve', '--port', '0', '--upstream', upstream, '--key', KEY, '--quiet', '--usage-database-url', usageUrl], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_USAGE_FLUSH_MS: '60000' },
  });
  let output = '';
  proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench-serve did not start: ${output}`)), 60_000);
    proc.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench-serve exited ${code}: ${output}`));
    });
  });
  return { process: proc, origin };
}

test('bench-serve --usage-database-url records one priced ledger row per request, flushed on SIGTERM', { skip: skipWithoutPostgres(), timeout: 120_000 }, async () => {
  assert.ok(db?.url && mock);
  const started = await startBenchServe(db.url, mock.baseUrl);
  child = started.process;
  for (let i = 0; i < REQUESTS; i++) {
    const response = await fetch(`${started.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hello ${i}` }] }),
    });
    assert.equal(response.status, 200, await response.text());
  }
  // The flush interval is a minute: the rows reach the database only through the SIGTERM flush.
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0);

  const rows = await db.query<{ n: string; priced: string; ok: string }>(
    `select count(*)::text as n, count(cost_usd)::text as priced, count(*) filter (where status = 200 and requested_model = 'gpt-4o-mini')::text as ok from public.ai_usage`,
  );
  assert.deepEqual(rows.rows[0], { n: String(REQUESTS), priced: String(REQUESTS), ok: String(REQUESTS) });
  const cost = await db.query<{ positive: boolean }>(`select bool_and(cost_usd > 0) as positive from public.ai_usage`);
  assert.equal(cost.rows[0]?.positive, true);
});
