#!/usr/bin/env node
// A small, fast mock of the OpenAI API for `npm run bench` (loopback only, node:http, no deps).
//
//   node bench/mock-upstream.mjs [--port=18080] [--chunks=20] [--embed-dims=1536] [--exit-with-stdin]
//                                [--slow-model=NAME --slow-chunk-delay-ms=500]
//
//   POST /v1/chat/completions  JSON `chat.completion` (~450 B, `chunks` tokens of text), or with
//                              `"stream": true` Server-Sent Events: a role chunk, one chunk per
//                              token, a finish chunk, the usage chunk (`choices: []`) when
//                              `stream_options.include_usage` is true, then `data: [DONE]`.
//   POST /v1/embeddings        one fixed vector per input.
//   GET  /v1/models, GET /health (`connections`: TCP connections accepted so far, which shows
//                              whether a gateway reuses its upstream connections)
//   GET  /stats[?reset=1]      {"openStreams":N,"peakOpenStreams":P}: streams in progress and their
//                              peak (reset=1: the peak restarts from the streams open now)
//
// Streams whose `model` is --slow-model send one event every --slow-chunk-delay-ms (the held-streams
// runs of the bench: many long, slow streams at once); every other answer is sent at once.
//
// Prints `{"event":"listening","port":N}` once it listens. With --exit-with-stdin it exits when its
// stdin closes, so it cannot outlive the bench that started it.
import { createServer } from 'node:http';

const args = new Map(
  process.argv
    .slice(2)
    .filter((arg) => arg.startsWith('--'))
    .map((arg) => {
      const eq = arg.indexOf('=');
      return eq === -1 ? [arg.slice(2), 'true'] : [arg.slice(2, eq), arg.slice(eq + 1)];
    }),
);
const intArg = (name, fallback) => {
  const value = Number(args.get(name) ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
};
const port = intArg('port', 18080);
const tokenCount = intArg('chunks', 20);
const embedDims = intArg('embed-dims', 1536);
const slowModel = args.get('slow-model') ?? '';
const slowDelayMs = intArg('slow-chunk-delay-ms', 0);
let openStreams = 0;
let peakOpenStreams = 0;

/** The answer, one token per stream chunk. */
const SENTENCE =
  'Sure! Here is a short answer to your question. A gateway forwards each request to the upstream provider, adds authentication, retries and logging, and streams the tokens back to the client as soon as they arrive.';
const words = SENTENCE.split(' ');
const tokens = Array.from({ length: tokenCount }, (_, i) => (i === 0 ? '' : ' ') + words[i % words.length]);
const answer = tokens.join('');

/** The fixed embedding, serialized once (a deterministic pseudo-random walk in [-1, 1]). */
const vectorJson = (() => {
  const values = [];
  let seed = 7;
  for (let i = 0; i < embedDims; i++) {
    seed = (seed * 48271) % 2147483647;
    values.push(Number(((seed / 2147483647) * 2 - 1).toFixed(6)));
  }
  return JSON.stringify(values);
})();

let counter = 0;
const startedAt = Date.now().toString(36);

function estimateTokens(messages) {
  if (!Array.isArray(messages)) return 1;
  let chars = 0;
  for (const message of messages) {
    const content = message?.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) for (const part of content) chars += typeof part?.text === 'string' ? part.text.length : 0;
  }
  return Math.ceil(chars / 4) + 3 * messages.length || 1;
}

function json(response, status, text, extra = {}) {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
  response.end(text);
}

function fail(response, status, message) {
  json(response, status, JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }));
}

function chat(request, response) {
  const id = `chatcmpl-bench${startedAt}${(++counter).toString(36)}`;
  const model = typeof request.model === 'string' ? request.model : 'gpt-4o-mini';
  const created = Math.floor(Date.now() / 1000);
  const promptTokens = estimateTokens(request.messages);
  const usage = { prompt_tokens: promptTokens, completion_tokens: tokenCount, total_tokens: promptTokens + tokenCount };

  if (request.stream !== true) {
    const body = {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: answer, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage,
      system_fingerprint: 'fp_bench',
    };
    json(response, 200, JSON.stringify(body), { 'x-request-id': id });
    return;
  }

  const withUsage = request.stream_options?.include_usage === true;
  const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":"fp_bench","choices":[`;
  const tail = withUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const event = (delta, finish) => `${head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}${tail}`;

  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': id });
  let gone = false;
  if (++openStreams > peakOpenStreams) peakOpenStreams = openStreams;
  response.once('close', () => {
    gone = true;
    openStreams -= 1;
  });
  if (slowModel !== '' && model === slowModel) return void paced(response, event, head, withUsage, usage, () => gone);
  // One write per event, back to back, like an upstream that has the tokens ready.
  response.write(event('{"role":"assistant","content":"","refusal":null}', 'null'));
  for (const token of tokens) {
    if (gone) return;
    response.write(event(`{"content":${JSON.stringify(token)}}`, 'null'));
  }
  if (gone) return;
  response.write(event('{}', '"stop"'));
  if (withUsage) response.write(`${head}],"usage":${JSON.stringify(usage)}}\n\n`);
  response.end('data: [DONE]\n\n');
}

/** The same stream, one event every slowDelayMs (the role chunk at once). */
async function paced(response, event, head, withUsage, usage, gone) {
  const pause = () => new Promise((resolve) => setTimeout(resolve, slowDelayMs));
  response.write(event('{"role":"assistant","content":"","refusal":null}', 'null'));
  for (const token of tokens) {
    await pause();
    if (gone()) return;
    response.write(event(`{"content":${JSON.stringify(token)}}`, 'null'));
  }
  if (gone()) return;
  response.write(event('{}', '"stop"'));
  if (withUsage) response.write(`${head}],"usage":${JSON.stringify(usage)}}\n\n`);
  response.end('data: [DONE]\n\n');
}

function embeddings(request, response) {
  const inputs = Array.isArray(request.input) ? request.input : [request.input ?? ''];
  let usage = 0;
  const items = inputs.map((input, index) => {
    usage += Math.max(1, Math.ceil(String(input).length / 4));
    return `{"object":"embedding","index":${index},"embedding":${vectorJson}}`;
  });
  const model = typeof request.model === 'string' ? request.model : 'text-embedding-3-small';
  json(
    response,
    200,
    `{"object":"list","data":[${items.join(',')}],"model":${JSON.stringify(model)},"usage":{"prompt_tokens":${usage},"total_tokens":${usage}}}`,
  );
}

const POST_ROUTES = new Map([
  ['/v1/chat/completions', chat],
  ['/chat/completions', chat],
  ['/v1/embeddings', embeddings],
  ['/embeddings', embeddings],
]);

const server = createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'GET') {
    request.resume();
    if (path === '/health') return json(response, 200, `{"status":"ok","connections":${connections}}`);
    if (path === '/stats') {
      json(response, 200, JSON.stringify({ openStreams, peakOpenStreams }));
      if ((request.url ?? '').includes('reset=1')) peakOpenStreams = openStreams;
      return;
    }
    if (path === '/v1/models' || path === '/models') {
      return json(response, 200, '{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"bench"}]}');
    }
    return fail(response, 404, `Unknown route GET ${path}`);
  }
  const handler = request.method === 'POST' ? POST_ROUTES.get(path) : undefined;
  if (!handler) {
    request.resume();
    return fail(response, request.method === 'POST' ? 404 : 405, `Unknown route ${request.method} ${path}`);
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    let body;
    try {
      body = JSON.parse(chunks.length === 1 ? chunks[0].toString() : Buffer.concat(chunks).toString());
    } catch {
      return fail(response, 400, 'Request body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(response, 400, 'Body must be a JSON object');
    handler(body, response);
  });
});
let connections = 0;
server.on('connection', () => {
  connections += 1;
});
// Longer than any client pool's idle timeout, so pooled connections are never reset under a run.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 0;

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: server.address().port })}\n`);
});

const stop = () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (args.get('exit-with-stdin') === 'true') {
  process.stdin.on('end', stop).on('close', stop).resume();
}
