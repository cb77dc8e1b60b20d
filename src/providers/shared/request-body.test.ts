import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Agent } from 'undici';
import { neverCancelled } from '../../cancel.js';
import { sendUpstream } from './http.js';
import { encodeBody, LARGE_BODY_CHARS, SentOnce } from './request-body.js';
import { defaultTimeouts } from './timeouts.js';

test('no body: the headers as they are', () => {
  const headers = { authorization: 'Bearer k' };
  assert.deepEqual(encodeBody(headers, undefined), { headers, body: null });
});

test('a small body is JSON text with its content type', () => {
  const encoded = encodeBody({ authorization: 'Bearer k' }, { model: 'm', input: 'hi' });
  assert.equal(encoded.body, '{"model":"m","input":"hi"}');
  assert.deepEqual(encoded.headers, { 'content-type': 'application/json', authorization: 'Bearer k' });
});

test('a large body is given out once, with its byte length', () => {
  const value = { model: 'm', input: `é${'x'.repeat(LARGE_BODY_CHARS)}` };
  const encoded = encodeBody({ authorization: 'Bearer k' }, value);
  assert.ok(encoded.body instanceof SentOnce);
  const chunks = [...(encoded.body as unknown as Iterable<Buffer>)];
  assert.equal(chunks.length, 1);
  const bytes = Buffer.concat(chunks);
  assert.deepEqual(JSON.parse(bytes.toString('utf8')), value);
  // Counted in bytes, not characters ('é' is two).
  assert.equal(encoded.headers['content-length'], String(bytes.length));
  assert.equal(bytes.length, JSON.stringify(value).length + 1);
  assert.equal(encoded.headers['content-type'], 'application/json');
  // Read once: the iterable keeps nothing after.
  assert.deepEqual([...(encoded.body as unknown as Iterable<Buffer>)], []);
});

test('a large body arrives whole over HTTP, with content-length and not chunked', async () => {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dispatcher = new Agent();
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x`;
    for (const input of ['short', `ü${'y'.repeat(2 * LARGE_BODY_CHARS)}`]) {
      const response = await sendUpstream({ provider: 'p', url, headers: { authorization: 'Bearer k' }, body: { input }, signal: neverCancelled, timeouts: defaultTimeouts, dispatcher });
      assert.equal(response.status, 200);
      await response.body.text();
      const last = received.at(-1);
      assert.deepEqual(JSON.parse(last?.body ?? ''), { input });
      assert.equal(last?.headers['content-length'], String(Buffer.byteLength(JSON.stringify({ input }))));
      assert.equal(last?.headers['transfer-encoding'], undefined);
      assert.equal(last?.headers['content-type'], 'application/json');
    }
  } finally {
    await dispatcher.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
