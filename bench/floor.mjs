#!/usr/bin/env node
// The reference floor of `npm run bench` (target `floor`): the least work an HTTP gateway in Node
// can do and still be one. node:http in, a single comparison of the bearer token, `JSON.parse` of
// the body (any gateway must at least read `model`), one undici pool to the upstream, and the
// upstream's bytes piped back unchanged, streams included. Nothing else: no validation, routing,
// conversion, usage, limits, logging or metrics. Whatever Switchboard spends above this is the
// cost of its own features, which is what issue 14's ratios measure.
//
//   node bench/floor.mjs --port=0 --upstream=http://127.0.0.1:18080/v1 [--key=sk-bench]
//
// Prints `floor listening on http://127.0.0.1:<port>` once ready; exits on SIGTERM/SIGINT or when
// its stdin closes (so it never outlives the bench runner). Loopback only. Same design as the
// shared harness's floor-gateway.mjs, kept in the repository so a clean clone can run it.
import http from 'node:http';
import { Pool } from 'undici';

const option = (name, fallback) => {
  const prefix = `--${name}=`;
  const found = process.argv.find((arg) => arg.startsWith(prefix));
  return found === undefined ? fallback : found.slice(prefix.length);
};
const upstream = new URL(option('upstream', 'http://127.0.0.1:18080/v1'));
const expected = `Bearer ${option('key', 'sk-bench')}`;
const prefix = upstream.pathname.replace(/\/+$/, '');

// No connection cap (undici's `null`): HTTP/1.1 carries one stream per connection, so any cap
// would queue held streams inside the floor and make it look worse than it is.
const pool = new Pool(upstream.origin, { connections: null, pipelining: 1, keepAliveTimeout: 65_000 });

function refuse(response, status, message) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }));
}

function forward(request, response, body) {
  const path = prefix + (request.url.startsWith('/v1/') ? request.url.slice(3) : request.url);
  pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json', authorization: 'Bearer floor-upstream' }, body }).then(
    (answer) => {
      response.writeHead(answer.statusCode, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
      response.on('close', () => answer.body.destroy());
      answer.body.on('error', () => response.destroy());
      answer.body.pipe(response);
    },
    () => {
      if (response.headersSent) response.destroy();
      else refuse(response, 502, 'upstream unreachable');
    },
  );
}

const server = http.createServer((request, response) => {
  if (request.headers.authorization !== expected) return refuse(response, 401, 'invalid API key');
  const parts = [];
  request.on('data', (part) => parts.push(part));
  request.on('end', () => {
    const body = Buffer.concat(parts);
    let model;
    try {
      model = JSON.parse(body.toString('utf8')).model;
    } catch {
      model = undefined;
    }
    if (typeof model !== 'string') return refuse(response, 400, 'the body must be JSON with a string model');
    forward(request, response, body);
  });
});
server.keepAliveTimeout = 65_000;

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  pool.destroy().finally(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).on('error', stop).resume();

server.listen(Number(option('port', '0')), '127.0.0.1', () => {
  process.stdout.write(`floor listening on http://127.0.0.1:${server.address().port}\n`);
});
