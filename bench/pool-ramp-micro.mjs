#!/usr/bin/env node
// The CPU of a ramp of N held upstream requests: undici's Pool (what the UpstreamAgent used until
// 2026-12-07) against the IdleStackPool (dist/, so `npm run build` first). A child process answers
// every request with its head and one byte and holds it open until the ramp is over, so each new
// request needs a new connection while all the others are busy, as in the held-streams ramp.
//
//   node bench/pool-ramp-micro.mjs [N=5000] [repetitions=3]
// Prints the client process's CPU per request of each ramp, the kinds alternating. Pin it to a core
// (`taskset -c 1`) for steadier figures; N is bounded by the open-files limit (2 sockets each).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

if (process.argv[2] === '--server') {
  const held = [];
  const server = createServer((_request, response) => {
    held.push(response);
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.write('x');
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.stdin.on('data', () => {
    for (const response of held.splice(0)) response.end('y');
  });
  process.stdin.on('end', () => process.exit(0));
} else {
  const count = Number(process.argv[2] ?? 5000);
  const repetitions = Number(process.argv[3] ?? 3);
  if (!(Number.isInteger(count) && count > 0 && count <= 50_000 && repetitions >= 1 && repetitions <= 20)) {
    throw new Error('usage: node bench/pool-ramp-micro.mjs [N in 1..50000] [repetitions in 1..20]');
  }
  const load = createRequire(import.meta.url);
  const Pool = load('undici/lib/dispatcher/pool.js');
  const apiRequest = load('undici/lib/api/api-request.js');
  const { IdleStackPool } = await import('../dist/providers/shared/idle-stack-pool.js');

  const server = spawn(process.execPath, [new URL(import.meta.url).pathname, '--server'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => server.stdout.once('data', (data) => resolve(Number(String(data)))));
  const origin = `http://127.0.0.1:${port}`;
  const pools = {
    // undici's Pool as the UpstreamAgent configured it: one request per connection, no real cap.
    pool: () => new Pool(origin, { pipelining: 1, connections: 50_000, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 }),
    stack: () => new IdleStackPool(origin, { connectTimeoutMs: 10_000, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 }),
  };

  /** Starts n requests (yielding to the event loop every 100), waits for every head, then lets them end. */
  async function ramp(pool, n) {
    const heads = [];
    const bodies = [];
    const before = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      heads.push(apiRequest.call(pool, { origin, path: '/', method: 'GET' }).then((answer) => bodies.push(answer.body.text())));
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(heads);
    const used = process.cpuUsage(before);
    server.stdin.write('end\n');
    await Promise.all(bodies);
    return (used.user + used.system) / n;
  }

  const results = { pool: [], stack: [] };
  // Repetition 0 warms both up (the JIT) and is not reported.
  for (let repetition = 0; repetition <= repetitions; repetition++) {
    for (const [kind, make] of repetition % 2 === 1 ? Object.entries(pools) : Object.entries(pools).reverse()) {
      const pool = make();
      await ramp(pool, 200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const usPerRequest = await ramp(pool, count);
      if (repetition > 0) {
        results[kind].push(usPerRequest);
        console.log(`${kind.padEnd(5)} N=${count} repetition ${repetition}: ${usPerRequest.toFixed(1)} CPU µs per request`);
      }
      await pool.close();
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const [pool, stack] = [median(results.pool), median(results.stack)];
  console.log(`median N=${count}: pool ${pool.toFixed(1)}, stack ${stack.toFixed(1)} CPU µs per request (${(((stack - pool) / pool) * 100).toFixed(1)}%)`);
  server.stdin.end();
}
