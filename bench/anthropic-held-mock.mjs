// A slow Anthropic Messages upstream for bench/anthropic-held.mjs: every POST .../messages with
// `x-api-key: bench` answers a stream of 20 text deltas BENCH_CHUNK_MS (500) apart, framed as the
// real API frames it (message_start, content_block_start, deltas, content_block_stop,
// message_delta with usage, message_stop). Prints `ready <port>` once listening (port 0: any).
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const chunkMs = Number(process.env.BENCH_CHUNK_MS ?? 500);
const event = (name, data) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;

const server = http.createServer((request, response) => {
  if (request.method !== 'POST' || !request.url?.endsWith('/messages') || request.headers['x-api-key'] !== 'bench') {
    response.writeHead(404).end();
    return;
  }
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const message = { id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-bench', content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } };
    response.write(event('message_start', { message }));
    response.write(event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
    let sent = 0;
    const timer = setInterval(() => {
      if (response.destroyed) return void clearInterval(timer);
      response.write(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ` word${sent}` } }));
      if (++sent < 20) return;
      clearInterval(timer);
      response.write(event('content_block_stop', { index: 0 }));
      response.write(event('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 20 } }));
      response.end(event('message_stop', {}));
    }, chunkMs);
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));
process.stdin.on('end', () => process.exit(0)).resume();
