// Checks the Cohere fake itself (test/mock-vendors/cohere.ts): other suites rely on it refusing
// what the real API refuses, with the real status and body.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { startCohereMock, type CohereMock } from '../../../test/mock-vendors/cohere.js';

let mock: CohereMock;
const agent = new Agent();

async function post(path: string, body: unknown, authorization: string | null = 'Bearer test-key') {
  const response = await request(`${mock.origin}${path}`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.body.text();
  const type = response.headers['content-type'];
  return { status: response.statusCode, type: Array.isArray(type) ? type.join(',') : (type ?? ''), text };
}
const message = (text: string): string => (JSON.parse(text) as { message: string }).message;
const chat = (extra: Record<string, unknown> = {}) => ({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi' }], ...extra });

before(async () => {
  mock = await startCohereMock();
});
after(async () => {
  await mock.close();
  await agent.close();
});

describe('Cohere mock strictness', () => {
  test('auth: missing and wrong keys get 401 with Cohere messages', async () => {
    const missing = await post('/v2/chat', chat(), null);
    assert.equal(missing.status, 401);
    assert.equal(message(missing.text), 'no api key supplied');
    assert.match((JSON.parse(missing.text) as { id: string }).id, /^[0-9a-f-]{36}$/);
    const wrong = await post('/v2/chat', chat(), 'Bearer other');
    assert.equal(wrong.status, 401);
    assert.equal(message(wrong.text), 'invalid api token');
  });

  test('unknown path: plain-text 404', async () => {
    const response = await post('/v1/chat/completions', chat());
    assert.equal(response.status, 404);
    assert.match(response.type, /^text\/plain/);
    assert.equal(response.text, '404 page not found');
  });

  test('unknown fields (top level and inside tools) get 422', async () => {
    const top = await post('/v2/chat', chat({ user: 'u1' }));
    assert.equal(top.status, 422);
    assert.match(message(top.text), /^unknown field: parameter 'user' is not a valid field/);
    const strict = await post('/v2/chat', chat({ tools: [{ type: 'function', function: { name: 'f', parameters: {}, strict: true } }] }));
    assert.equal(strict.status, 422);
    assert.match(message(strict.text), /parameter 'strict'/);
  });

  test('model, messages and tool-call pairing are required', async () => {
    const noModel = await post('/v2/chat', { messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual([noModel.status, message(noModel.text)], [400, 'a model parameter is required for this endpoint.']);
    const noMessages = await post('/v2/chat', chat({ messages: [] }));
    assert.equal(noMessages.status, 400);
    const badRole = await post('/v2/chat', chat({ messages: [{ role: 'developer', content: 'x' }] }));
    assert.equal(badRole.status, 400);
    const orphan = await post('/v2/chat', chat({ messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'nope', content: 'r' }] }));
    assert.deepEqual([orphan.status, message(orphan.text)], [400, 'tool call id not found in previous tool calls']);
    const badChoice = await post('/v2/chat', chat({ tool_choice: 'auto' }));
    assert.equal(badChoice.status, 400);
  });

  test('embed requires model, input_type and 1 to 96 texts', async () => {
    const base = { model: 'embed-v4.0', input_type: 'search_document', texts: ['a'] };
    assert.equal((await post('/v2/embed', base)).status, 200);
    const noType = await post('/v2/embed', { model: 'embed-v4.0', texts: ['a'] });
    assert.deepEqual([noType.status, message(noType.text)], [400, 'invalid request: valid input_type must be provided with the provided model']);
    assert.equal((await post('/v2/embed', { ...base, texts: [] })).status, 400);
    assert.equal((await post('/v2/embed', { ...base, texts: Array.from({ length: 97 }, () => 'a') })).status, 400);
    assert.equal((await post('/v2/embed', { ...base, dimensions: 8 })).status, 422);
  });

  test('streams are named SSE events ending with message-end then data: [DONE]', async () => {
    const response = await post('/v2/chat', chat({ stream: true }));
    assert.equal(response.status, 200);
    assert.match(response.type, /^text\/event-stream/);
    const frames = response.text.split('\n\n').filter(Boolean);
    assert.deepEqual(
      frames.map((frame) => frame.split('\n')[0]),
      [
        'event: message-start',
        'event: content-start',
        'event: content-delta',
        'event: content-delta',
        'event: content-end',
        'event: message-end',
        'data: [DONE]',
      ],
    );
  });
});
