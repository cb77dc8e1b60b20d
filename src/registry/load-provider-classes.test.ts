import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEnvCredentialResolver } from '../credentials/env-credentials.js';
import { builtinProviderClasses } from '../providers/builtin.js';
import type { ProviderClass } from '../providers/provider-class.js';
import { defaultProviderDeps } from '../providers/shared/provider-deps.js';
import type { StreamPart } from '../providers/spec/index.js';
import { createTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { startOpenAIMock, type OpenAIMock } from '../../test/mock-vendors/openai.js';
import { loadProviderClasses } from './load-provider-classes.js';
import { loadRegistry } from './provider-loader.js';

/**
 * A user's "Method 2" provider class, as a plain ES module: it calls an OpenAI-style
 * `/chat/completions` endpoint with global fetch and tags the answer with its row's `config.tag`.
 */
const echoLabModule = `
const wire = (messages) => messages.map((message) => ({
  role: message.role,
  content: typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join(''),
}));

export const EchoLabProvider = {
  className: 'EchoLabProvider',
  defaults: {
    requiredEnvVars: ['ECHO_LAB_API_KEY'],
    authHeaderName: 'x-lab-key',
    authHeaderPrefix: '',
    features: { streaming: true, tools: false, vision: false, json_mode: false, embeddings: false },
  },
  create(settings, deps) {
    const tag = String(settings.config.tag ?? 'none');
    const chat = async (request, options) => {
      const key = options.credential.apiKey ?? '';
      const response = await fetch(settings.baseUrl + '/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', [settings.authHeaderName]: settings.authHeaderPrefix ? settings.authHeaderPrefix + ' ' + key : key },
        body: JSON.stringify({ model: request.model, messages: wire(request.messages) }),
        signal: options.signal,
      });
      const body = await response.json();
      if (!response.ok) throw new Error('upstream ' + response.status + ': ' + body.error.message);
      const choice = body.choices[0];
      return {
        id: body.id,
        model: body.model,
        created: Math.floor(deps.now() / 1000),
        choices: [{ index: 0, content: '[' + tag + '] ' + choice.message.content, toolCalls: [], finishReason: choice.finish_reason }],
        usage: { inputTokens: body.usage.prompt_tokens, outputTokens: body.usage.completion_tokens, totalTokens: body.usage.total_tokens },
      };
    };
    return {
      specVersion: 'v1',
      name: settings.name,
      chat,
      async *stream(request, options) {
        const answer = await chat(request, options);
        yield { type: 'stream-start', id: answer.id, model: answer.model, created: answer.created };
        yield { type: 'text-delta', text: answer.choices[0].content };
        yield { type: 'finish', finishReason: answer.choices[0].finishReason, usage: answer.usage };
      },
    };
  },
};

export const notAProviderClass = { className: 'Nope' };
export const helper = () => 'ignored';
`;

/** A TypeScript module (imported through the same loader) with a class that needs no key. */
const tsModule = `
interface Settings { name: string; baseUrl: string }
export const TsLabProvider = {
  className: 'TsLabProvider',
  defaults: { baseUrl: 'http://127.0.0.1:9/ts' },
  create(settings: Settings) {
    return { specVersion: 'v1' as const, name: settings.name, chat: () => Promise.reject(new Error('unused')), stream: () => [] };
  },
};
`;

const shadowModule = `
export const FakeOpenAI = { className: 'OpenAIProvider', defaults: {}, create() { throw new Error('a shadow must never be used'); } };
`;

describe('provider classes from the providers directory', () => {
  let dir: string;
  let db: TestDb;
  let mock: OpenAIMock;
  const deps = defaultProviderDeps();
  const warnings: string[] = [];
  let classes: Map<string, ProviderClass>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-providers-'));
    await writeFile(path.join(dir, 'echo-lab.mjs'), echoLabModule);
    await writeFile(path.join(dir, 'ts-lab.ts'), tsModule);
    await writeFile(path.join(dir, 'shadow.mjs'), shadowModule);
    await writeFile(path.join(dir, 'broken.mjs'), `throw new Error('broken at import');\n`);
    await writeFile(path.join(dir, 'notes.txt'), 'export const X = 1;\n');
    await mkdir(path.join(dir, 'nested'));
    await writeFile(path.join(dir, 'nested', 'deep.mjs'), shadowModule.replace("'OpenAIProvider'", "'DeepProvider'"));
    [db, mock] = await Promise.all([createTestDb(), startOpenAIMock({ apiKeys: ['lab-key'], authHeaderName: 'x-lab-key', authHeaderPrefix: '' })]);
    classes = await loadProviderClasses(dir, (message) => warnings.push(message));
  });
  after(async () => {
    await Promise.all([db.dispose(), mock.close(), deps.dispatcher.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  test('user classes load by className next to every built-in; only files directly in the folder count', () => {
    assert.deepEqual([...classes.keys()].sort(), [...builtinProviderClasses.keys(), 'EchoLabProvider', 'TsLabProvider'].sort());
    assert.equal(classes.get('EchoLabProvider')?.defaults.authHeaderName, 'x-lab-key');
    assert.equal(classes.get('TsLabProvider')?.defaults.baseUrl, 'http://127.0.0.1:9/ts');
  });

  test('a built-in name cannot be shadowed, and a module that fails to import is reported', () => {
    for (const [name, builtin] of builtinProviderClasses) assert.equal(classes.get(name), builtin, name);
    assert.ok(warnings.some((line) => line.includes('shadow.mjs') && line.includes("'OpenAIProvider'") && line.includes('built-in')), warnings.join('\n'));
    assert.ok(warnings.some((line) => line.includes('broken.mjs') && line.includes('broken at import')), warnings.join('\n'));
    assert.equal(warnings.length, 2, warnings.join('\n'));
  });

  test('no directory, or one that cannot be read, gives exactly the built-in set', async () => {
    assert.deepEqual([...(await loadProviderClasses(undefined)).keys()], [...builtinProviderClasses.keys()]);
    const missing: string[] = [];
    const onlyBuiltins = await loadProviderClasses(path.join(dir, 'does-not-exist'), (message) => missing.push(message));
    assert.deepEqual([...onlyBuiltins.keys()], [...builtinProviderClasses.keys()]);
    assert.equal(missing.length, 1);
    assert.match(missing[0] ?? '', /does-not-exist cannot be read/);
  });

  test('a row naming the user class is served by it; a row naming a file path is not', async () => {
    await db.query(
      `insert into public.ai_providers (name, display_name, provider_class, api_base_url, config)
       values ('echo-lab', 'Echo Lab', 'EchoLabProvider', $1, '{"tag": "lab-7"}')`,
      [mock.baseUrl],
    );
    await db.query(`insert into public.ai_providers (name, provider_class, api_base_url) values ('by-path', $1, $2)`, [
      path.join(dir, 'echo-lab.mjs'),
      mock.baseUrl,
    ]);
    await db.exec(`
      insert into public.ai_models (name, provider_id, model_id)
        select 'lab-model', id, 'gpt-4o-mini' from public.ai_providers where name = 'echo-lab';
      insert into public.ai_models (name, provider_id, model_id)
        select 'path-model', id, 'gpt-4o-mini' from public.ai_providers where name = 'by-path';`);
    const registry = await loadRegistry(db, 1, { classes, deps });

    const byPath = registry.providers.get('by-path');
    assert.equal(byPath?.status, 'unavailable');
    assert.match(byPath.reason ?? '', /unknown provider_class/);

    const { model, provider } = registry.resolve('lab-model');
    assert.equal(provider.className, 'EchoLabProvider');
    assert.deepEqual(provider.requiredEnvVars, ['ECHO_LAB_API_KEY']);
    assert.deepEqual(model.features, classes.get('EchoLabProvider')?.defaults.features);
    const credential = await createEnvCredentialResolver({ ECHO_LAB_API_KEY: 'lab-key' }).resolve(undefined, provider);
    const request = { model: model.modelId, messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'ping lab' }] }] };
    const options = { signal: new AbortController().signal, credential };

    const response = await provider.provider.chat(request, options);
    assert.equal(response.choices[0]?.content, '[lab-7] Echo: ping lab');
    assert.equal(response.usage.outputTokens, 3);
    const received = mock.requests.at(-1);
    assert.equal(received?.url, '/v1/chat/completions');
    assert.equal(received.headers['x-lab-key'], 'lab-key');
    assert.deepEqual(received.body, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping lab' }] });

    const parts: StreamPart[] = [];
    for await (const part of provider.provider.stream(request, options)) parts.push(part);
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'text-delta', 'finish'],
    );
    assert.deepEqual(parts[1], { type: 'text-delta', text: '[lab-7] Echo: ping lab' });
    assert.equal(mock.requests.length, 2);
  });
});
