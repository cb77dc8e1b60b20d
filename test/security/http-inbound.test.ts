// Answers to malformed or unusual requests from anyone who can open a TCP connection (found by an
// attack review): requests Node's parser refuses got Node's bare answers (no body, no message);
// `Expect: 100-continue` was answered with a 100 before the key, the route or the announced length
// were checked (inviting a 20 MB body from a client with no key); a gzip body got a JSON syntax
// error and a Latin-1 body was read as UTF-8 (U+FFFD sent upstream). Each answer is now OpenAI's
// error shape with a clear message.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { rawExchange } from '../helpers/raw-exchange.js';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let port: number;
before(async () => {
  t = await startTestGateway();
  port = Number(new URL(t.origin).port);
});
after(async () => {
  await t.close();
});

/** Writes `data` on a fresh connection to the gateway and collects everything until it closes (or `waitMs`). */
function raw(data: string | Buffer, waitMs = 1500): Promise<string> {
  return rawExchange(port, data, waitMs);
}

/** The first response of `text`: status and JSON body (undefined when it has none). */
function firstAnswer(text: string): { status: number; body: { error?: { message?: string; type?: string; code?: string } } | undefined } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  const headEnd = text.indexOf('\r\n\r\n');
  const rest = text.slice(headEnd + 4);
  const start = rest.indexOf('{');
  let body;
  try {
    body = start === -1 ? undefined : JSON.parse(rest.slice(start, rest.lastIndexOf('}') + 1));
  } catch {
    body = undefined;
  }
  return { status, body };
}

function assertOpenAIError(text: string, status: number, label: string): void {
  const answer = firstAnswer(text);
  assert.equal(answer.status, status, `${label}: ${text.slice(0, 200)}`);
  const error = answer.body?.error;
  assert.ok(error && typeof error.message === 'string' && error.message.length > 0, `${label}: no OpenAI error body in ${JSON.stringify(text.slice(0, 300))}`);
  assert.equal(typeof error.type, 'string', label);
}

describe('malformed requests (Node parser errors) are answered in OpenAI shape', () => {
  const body = JSON.stringify({ model: MODELS.openai, messages: [{ role: 'user', content: 'hi' }] });
  const cases: [string, string, number][] = [
    ['Content-Length with Transfer-Encoding', `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
    ['two Content-Length headers', `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 400],
    ['obs-fold', `GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n sb-x\r\n\r\n`, 400],
    ['a head over 16 KiB (maxHeaderSize)', `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['a URL over 16 KiB', `GET /v1/models/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['HTTP/1.1 without Host', `GET /v1/models HTTP/1.1\r\n\r\n`, 400],
    ['an Expect other than 100-continue', `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 417],
  ];
  for (const [label, request, status] of cases) {
    it(`${label} → ${status} with an OpenAI error body`, async () => {
      assertOpenAIError(await raw(request), status, label);
    });
  }
});

describe('Expect: 100-continue', () => {
  it('a request refused before its body (no key) gets its 401 without a 100 Continue first', async () => {
    const text = await raw(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n\r\n`);
    assert.ok(!text.startsWith('HTTP/1.1 100'), `the gateway invited the 20 MB body before refusing it:\n${text.slice(0, 120)}`);
    assertOpenAIError(text, 401, 'no key');
  });

  it('a body over the limit announced with Expect: 100-continue gets its 413 without a 100 Continue first', async () => {
    const text = await raw(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n`);
    assert.ok(!text.startsWith('HTTP/1.1 100'), `the gateway invited the 1 GB body before refusing it:\n${text.slice(0, 120)}`);
    assertOpenAIError(text, 413, 'too large');
  });

  it('an accepted request still gets 100 Continue and is answered once the body arrives', async () => {
    const body = JSON.stringify({ model: MODELS.openai, messages: [{ role: 'user', content: 'hi' }] });
    const text = await new Promise<string>((resolve) => {
      let out = '';
      let sent = false;
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
      );
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        out += chunk;
        if (!sent && out.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
          sent = true;
          socket.write(body);
        }
      });
      socket.on('close', () => resolve(out));
      setTimeout(() => socket.destroy(), 5000);
    });
    assert.ok(text.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200'), text.slice(0, 200));
  });
});

describe('body encodings the gateway does not decode', () => {
  const body = JSON.stringify({ model: MODELS.openai, messages: [{ role: 'user', content: 'hi' }] });
  function post(headers: string, payload: Buffer): Promise<string> {
    return raw(
      Buffer.concat([
        Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\n${headers}Content-Length: ${payload.length}\r\nConnection: close\r\n\r\n`),
        payload,
      ]),
    );
  }

  it('Content-Encoding: gzip → 415 naming Content-Encoding (not a JSON syntax error about double quotes)', async () => {
    const text = await post('Content-Type: application/json\r\nContent-Encoding: gzip\r\n', gzipSync(body));
    assertOpenAIError(text, 415, 'gzip');
    assert.match(firstAnswer(text).body?.error?.message ?? '', /content-encoding/i);
  });

  it('Content-Encoding: br → 415', async () => {
    assertOpenAIError(await post('Content-Type: application/json\r\nContent-Encoding: br\r\n', Buffer.from(body)), 415, 'br');
  });

  it('a charset other than UTF-8 → 415 naming the charset (not a JSON syntax error, not silent U+FFFD)', async () => {
    const utf16 = await post('Content-Type: application/json; charset=utf-16le\r\n', Buffer.from(body, 'utf16le'));
    assertOpenAIError(utf16, 415, 'utf-16');
    assert.match(firstAnswer(utf16).body?.error?.message ?? '', /charset/i);
    const latin1 = Buffer.from(JSON.stringify({ model: MODELS.openai, messages: [{ role: 'user', content: 'caf\u00e9' }] }), 'latin1');
    assertOpenAIError(await post('Content-Type: application/json; charset=iso-8859-1\r\n', latin1), 415, 'latin1');
  });

  it('charset=utf-8 (any case, quoted) and no charset still pass', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json']) {
      const text = await post(`Content-Type: ${type}\r\n`, Buffer.from(body));
      assert.equal(firstAnswer(text).status, 200, `${type}: ${text.slice(0, 300)}`);
    }
  });
});
