/**
 * A row's static `config.headers` may not name the headers of the transport itself. `host` sent
 * the call, its key included, to whatever site a shared front (a CDN, a virtual-hosting proxy)
 * serves under that name, past the origin a stored credential is bound to; `content-length` or
 * `expect` failed every call as the provider's 502 (counted against its breakers). Such a row is
 * `config_row_invalid` at create() (the loader disables it with the reason; the admin API refuses
 * it when written) and nothing is sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { sendJson, startMockServer, type MockServer } from '../../../test/helpers/mock-server.js';
import type { ProviderSettings } from '../provider-class.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import { OpenAIProviderClass } from '../openai/index.js';
import { CustomProviderClass } from './index.js';

const deps: ProviderDeps = { dispatcher: new Agent(), now: () => 1_767_225_600_000, randomId: () => 'rnd1' };
const reserved = ['host', 'Host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection'];

let upstream: MockServer;
before(async () => {
  // Answers only calls addressed to its own name, as a virtual host does.
  upstream = await startMockServer((recorded, response) => {
    if (recorded.headers.host !== upstream.origin.replace(/^http:\/\//, '')) return sendJson(response, 421, { error: { message: 'misdirected' } });
    sendJson(response, 200, { id: 'c1', object: 'chat.completion', created: 1, model: 'm-1', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
  });
});
after(async () => {
  await upstream.close();
  await deps.dispatcher.close();
});

function settings(headers: Record<string, string>, requestTemplate?: unknown): ProviderSettings {
  return { name: 'hdr', baseUrl: `${upstream.origin}/v1`, authHeaderName: 'Authorization', authHeaderPrefix: 'Bearer', config: { headers: headers }, requestTemplate };
}

describe('config.headers may not name transport headers', () => {
  for (const name of reserved) {
    test(`${name} is config_row_invalid at create(), naming the header`, () => {
      for (const create of [
        () => CustomProviderClass.create(settings({ [name]: name.toLowerCase() === 'host' ? 'attacker.example' : '5' }), deps),
        () => CustomProviderClass.create(settings({ [name]: 'x' }, { body: { p: '{{prompt}}' }, response: { text: 'out' } }), deps),
        () => OpenAIProviderClass.create(settings({ [name]: 'x' }), deps),
      ]) {
        assert.throws(create, (error: unknown) => {
          assert.equal((error as { code?: string }).code, 'config_row_invalid');
          assert.equal((error as { param?: string }).param, `config.headers.${name}`);
          assert.match((error as Error).message, /is set by the gateway/);
          return true;
        });
      }
      assert.equal(upstream.requests.length, 0);
    });
  }

  test('other headers still go out as written', async () => {
    const provider = CustomProviderClass.create(settings({ 'x-team': 'search', 'X-Forwarded-For': '10.0.0.1' }), deps);
    const answer = await provider.chat(
      { model: 'm-1', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      { signal: new AbortController().signal, credential: { apiKey: 'k-0123456789' } },
    );
    assert.equal(answer.choices[0]?.content, 'ok');
    assert.equal(upstream.requests.at(-1)?.headers['x-team'], 'search');
  });
});
