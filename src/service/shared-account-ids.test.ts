import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createMasterKey } from '../crypto/keyring.js';
import { scopedId, scopedIdKey } from '../crypto/scoped-id.js';
import type { ChatRequest } from '../providers/spec/index.js';
import { idScopeOf, scopeChatRequest, scopeEmbedRequest, scopeNativeBody, type IdScope } from './shared-account-ids.js';

const key = scopedIdKey(createMasterKey(randomBytes(32)));
const projectId = 'p-1';
const scope: IdScope = { key, projectId };
const id = (value: string): string => scopedId(key, projectId, value);
const chat = (extra: Partial<ChatRequest>): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], ...extra });

describe('idScopeOf', () => {
  it("scopes a project's call on a key it does not own; not on its own key, nor without a project", () => {
    assert.deepEqual(idScopeOf(key, projectId, { apiKey: 'sk-env' }), scope);
    assert.equal(idScopeOf(key, projectId, { apiKey: 'sk-own', projectOwned: true }), undefined);
    assert.equal(idScopeOf(key, undefined, { apiKey: 'sk-env' }), undefined);
  });
});

describe('scopeChatRequest', () => {
  it("scopes user and the OpenAI family's safety_identifier and prompt_cache_key, and nothing else", () => {
    const request = chat({ user: 'u1', native: { family: 'openai', fields: { safety_identifier: 's1', prompt_cache_key: 'k1', service_tier: 'auto' } } });
    const scoped = scopeChatRequest(request, scope);
    assert.deepEqual(scoped, {
      ...request,
      user: id('u1'),
      native: { family: 'openai', fields: { safety_identifier: id('s1'), prompt_cache_key: id('k1'), service_tier: 'auto' } },
    });
    assert.deepEqual(request.native?.fields, { safety_identifier: 's1', prompt_cache_key: 'k1', service_tier: 'auto' }, 'the input is not changed');
  });

  it("scopes the Anthropic family's metadata.user_id among native fields", () => {
    const scoped = scopeChatRequest(chat({ native: { family: 'anthropic', fields: { metadata: { user_id: 'u1' }, top_k: 3 } } }), scope);
    assert.deepEqual(scoped.native, { family: 'anthropic', fields: { metadata: { user_id: id('u1') }, top_k: 3 } });
  });

  it('returns the same request when there is nothing to scope (no copy, no hash)', () => {
    for (const request of [
      chat({}),
      chat({ user: '' }),
      chat({ native: { family: 'openai', fields: { logprobs: true, prompt_cache_key: null } } }),
      chat({ native: { family: 'google', fields: { user: 'u1' } } }),
    ]) {
      assert.equal(scopeChatRequest(request, scope), request);
    }
  });

  it('a value of another type is scoped as its JSON text: nothing unscoped goes upstream', () => {
    const scoped = scopeChatRequest(chat({ native: { family: 'openai', fields: { prompt_cache_key: 42 } } }), scope);
    assert.deepEqual(scoped.native?.fields, { prompt_cache_key: id('42') });
  });
});

describe('scopeEmbedRequest and scopeNativeBody', () => {
  it('scope embeddings user', () => {
    assert.deepEqual(scopeEmbedRequest({ model: 'e', input: ['a'], user: 'u1' }, scope), { model: 'e', input: ['a'], user: id('u1') });
    const plain = { model: 'e', input: ['a'] };
    assert.equal(scopeEmbedRequest(plain, scope), plain);
  });

  it('scope a Responses body by the OpenAI fields and a Messages body by metadata.user_id', () => {
    assert.deepEqual(scopeNativeBody('openai-responses', { model: 'm', user: 'u', safety_identifier: 's', prompt_cache_key: 'k', metadata: { user_id: 'x' } }, scope), {
      model: 'm',
      user: id('u'),
      safety_identifier: id('s'),
      prompt_cache_key: id('k'),
      metadata: { user_id: 'x' },
    });
    const metadata = { user_id: 'u' };
    assert.deepEqual(scopeNativeBody('anthropic-messages', { model: 'm', metadata, user: 'not anthropic' }, scope), {
      model: 'm',
      metadata: { user_id: id('u') },
      user: 'not anthropic',
    });
    assert.deepEqual(metadata, { user_id: 'u' }, "the client's metadata object is not changed");
    const body = { model: 'm', metadata: {} };
    assert.equal(scopeNativeBody('anthropic-count-tokens', body, scope), body);
  });
});
