// A long prompt reaches every vendor as the client wrote it: the gateway splices the client's own
// JSON text of its long strings into the upstream body instead of escaping them again
// (providers/shared/raw-json.ts), and the vendor still reads exactly the same text.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import type { RecordedRequest } from '../helpers/mock-server.js';

let t: TestGateway;
before(async () => {
  t = await startTestGateway();
});
after(async () => {
  await t.close();
});

// 100 KB with what JSON escapes (quotes, backslashes, newlines, tabs, a control character) and
// non-ASCII text; the client spells é as \u00e9 and / as \/, which JSON.stringify never writes.
const PROMPT = `Résumé of the "logs" below, path C:\\temp\\x/y:\n${'2026-12-05T12:00:00Z\tINFO\tgateway: request served é 東京 🙂\u0001\n'.repeat(1_700)}`;
const LITERAL = JSON.stringify(PROMPT).replaceAll('é', '\\u00e9').replaceAll('/', '\\/');

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.origin}${path}`, { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', ...headers }, body });
}

function lastRequest(requests: RecordedRequest[], before: number): RecordedRequest {
  const request = requests.slice(before).at(-1);
  assert.ok(request, 'the vendor was called');
  return request;
}

describe('a long prompt reaches the vendor as the client wrote it', () => {
  const vendors = [
    ['OpenAI', MODELS.openai, () => t.openai.requests],
    ['Anthropic', MODELS.anthropic, () => t.anthropic.requests],
    ['Gemini', MODELS.google, () => t.google.requests],
    ['Cohere', MODELS.cohere, () => t.cohere.requests],
  ] as const;
  for (const [vendor, model, requests] of vendors) {
    for (const stream of [false, true]) {
      it(`${vendor}, ${stream ? 'streamed' : 'whole'}: the same text, the client's spelling`, async () => {
        const before = requests().length;
        const response = await post('/v1/chat/completions', `{"model":"${model}","stream":${stream},"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":${LITERAL}}]}`);
        const text = await response.text();
        assert.equal(response.status, 200, text.slice(0, 300));
        const upstream = lastRequest(requests(), before);
        assert.ok(upstream.text.includes(LITERAL), "the client's literal is in the upstream body as it came");
        assert.ok(JSON.stringify(upstream.body).includes(JSON.stringify(PROMPT)), 'the vendor read the same prompt');
        assert.equal(upstream.headers['content-length'], String(Buffer.byteLength(upstream.text)));
      });
    }
  }

  it('Anthropic Messages served natively: the same', async () => {
    const before = t.anthropic.requests.length;
    const response = await post('/v1/messages', `{"model":"${MODELS.anthropic}","max_tokens":64,"messages":[{"role":"user","content":${LITERAL}}]}`, { 'anthropic-version': '2023-06-01' });
    assert.equal(response.status, 200, (await response.text()).slice(0, 300));
    const upstream = lastRequest(t.anthropic.requests, before);
    assert.ok(upstream.text.includes(LITERAL));
    assert.equal((upstream.body as { messages: Array<{ content: string }> }).messages[0]?.content, PROMPT);
  });

  it('a body with a duplicate key is re-encoded, and the vendor reads what JSON.parse kept', async () => {
    const before = t.openai.requests.length;
    const response = await post('/v1/chat/completions', `{"model":"${MODELS.openai}","messages":[{"role":"user","content":"first","content":${LITERAL}}]}`);
    assert.equal(response.status, 200);
    const upstream = lastRequest(t.openai.requests, before);
    assert.ok(!upstream.text.includes(LITERAL), 'not spliced');
    assert.equal((upstream.body as { messages: Array<{ content: unknown }> }).messages[0]?.content, PROMPT);
  });
});
