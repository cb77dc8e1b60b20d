#!/usr/bin/env node
// The CPU of a ramp of N held upstream requests: undici's Pool (what the UpstreamAgent used until
// 2026-12-07) against the IdleStackPool (dist/, so `npm run build` first). A child process answers
// every request with its head and one byte and holds it open until the ramp is over, so each new
// request needs a new connection while all the others are busy, as in the held-streams ramp.
//
//   node bench/pool-ramp-micro.mjs [N=5000] [repetitions=3]
// Prints the client process's CPU per request of each ramp, the kinds alternating. Pin it to a core
// (`taskset -c 1`) for steadier figures; N is bounded by the open-files limit (2 sockets each).
//
//   node bench/pool-ramp-micro.mjs keep-alive [C=50] [repetitions=3]
// The other regime: C connections each sending its next short request when the previous one
// ended (20,000 requests per repetition), so every request finds an idle client.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

if (process.argv[2] === '--server') {
  const held = [];
  const keepAlive = process.argv[3] === 'keep-alive';
  const server = createServer((_request, response) => {
    if (keepAlive) return void response.end('{"ok":true}');
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
  const keepAlive = process.argv[2] === 'keep-alive';
  const args = keepAlive ? process.argv.slice(3) : process.argv.slice(2);
  const count = Number(args[0] ?? (keepAlive ? 50 : 5000));
  const repetitions = Number(args[1] ?? 3);
  if (!(Number.isInteger(count) && count > 0 && count <= 50_000 && repetitions >= 1 && repetitions <= 20)) {
    throw new Error('usage: node bench/pool-ramp-micro.mjs [keep-alive] [N or C in 1..50000] [repetitions in 1..20]');
  }
  const load = createRequire(import.meta.url);
  const Pool = load('undici/lib/dispatcher/pool.js');
  const apiRequest = load('undici/lib/api/api-request.js');
  const { IdleStackPool } = await import('../dist/providers/shared/idle-stack-pool.js');

  const server = spawn(process.execPath, [new URL(import.meta.url).pathname, '--server', keepAlive ? 'keep-alive' : 'held'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
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

  /** `count` connections each sending short requests in turn until 20,000 were answered. */
  async function loop(pool, requests) {
    let left = requests;
    const before = process.cpuUsage();
    const worker = async () => {
      while (left-- > 0) await (await apiRequest.call(pool, { origin, path: '/', method: 'GET' })).body.text();
    };
    await Promise.all(Array.from({ length: count }, worker));
    const used = process.cpuUsage(before);
    return (used.user + used.system) / requests;
  }
  const measure = keepAlive
    ? async (pool) => {
        await loop(pool, 2_000);
        return loop(pool, 20_000);
      }
    : async (pool) => {
        await ramp(pool, 200);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return ramp(pool, count);
      };
  const label = keepAlive ? `C=${count}` : `N=${count}`;
  const results = { pool: [], stack: [] };
  // Repetition 0 warms both up (the JIT) and is not reported.
  for (let repetition = 0; repetition <= repetitions; repetition++) {
    for (const [kind, make] of repetition % 2 === 1 ? Object.entries(pools) : Object.entries(pools).reverse()) {
      const pool = make();
      const usPerRequest = await measure(pool);
      if (repetition > 0) {
        results[kind].push(usPerRequest);
        console.log(`${kind.padEnd(5)} ${label} repetition ${repetition}: ${usPerRequest.toFixed(2)} CPU µs per request`);
      }
      await pool.close();
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const [pool, stack] = [median(results.pool), median(results.stack)];
  console.log(`median ${label}: pool ${pool.toFixed(2)}, stack ${stack.toFixed(2)} CPU µs per request (${(((stack - pool) / pool) * 100).toFixed(1)}%)`);
  server.stdin.end();
}
