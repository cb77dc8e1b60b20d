// Provider classes from SWITCHBOARD_PROVIDERS_DIR are code the type checker never saw (found by a
// review of the library): a create() that returns no Provider was listed as available (calls threw
// a raw TypeError), and a stream() that throws before handing back its stream left no ledger row.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSwitchboard, type Switchboard } from '../../src/service/switchboard.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { user } from './library-harness.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (r) => unhandled.push(r));
process.on('uncaughtException', (r) => unhandled.push(r));

const files: Record<string, string> = {
  'a-null.mjs': `export const NullClass = { className: 'NullClass', defaults: { baseUrl: 'http://127.0.0.1:9' }, create() { return null; } };`,
  'b-empty.mjs': `export const EmptyClass = { className: 'EmptyClass', defaults: { baseUrl: 'http://127.0.0.1:9' }, create() { return {}; } };`,
  'c-garbage-answer.mjs': `export const GarbageAnswer = { className: 'GarbageAnswer', defaults: { baseUrl: 'http://127.0.0.1:9' }, create() { return {
    chat: async () => ({ nonsense: true }),
    stream: () => ({}),
    embed: async () => 42,
  }; } };`,
  'd-throws-string.mjs': `export const ThrowsString = { className: 'ThrowsString', defaults: { baseUrl: 'http://127.0.0.1:9' }, create() { throw 'boom'; } };`,
  'e-sync-throw.mjs': `export const SyncThrow = { className: 'SyncThrow', defaults: { baseUrl: 'http://127.0.0.1:9' }, create() { return {
    chat() { throw new TypeError('sync chat bug'); },
    stream() { throw new TypeError('sync stream bug'); },
  }; } };`,
  'f-top-level.mjs': `throw new Error('module explodes');`,
  'g-env-string.mjs': `export const EnvString = { className: 'EnvString', defaults: { baseUrl: 'http://127.0.0.1:9', requiredEnvVars: 'CUSTOM_API_KEY' }, create() { return { chat: async () => ({ id: 'x', model: 'm', choices: [{ index: 0, content: 'ok', toolCalls: [], finishReason: 'stop' }], usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } }), stream: async function* () {} }; } };`,
};

describe('custom provider classes that misbehave', () => {
  let dir: string;
  let db: TestDb;
  let sb: Switchboard;
  const logs: string[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-rv-classes-'));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    db = await createTestDb();
    sb = await createSwitchboard({ db, providersDir: dir, env: { CUSTOM_API_KEY: 'k' }, pollMs: 0, listen: false, log: (l, m) => logs.push(`${l} ${m}`) });
    const classes = ['NullClass', 'EmptyClass', 'GarbageAnswer', 'ThrowsString', 'SyncThrow', 'EnvString'];
    for (const c of classes) {
      await db.exec(`INSERT INTO ai_providers (name, display_name, provider_class, required_env_vars) VALUES ('p-${c.toLowerCase()}', '${c}', '${c}', '["CUSTOM_API_KEY"]'::jsonb);
INSERT INTO ai_models (name, display_name, provider_id, model_id, is_active) VALUES ('m-${c.toLowerCase()}', '${c}', (SELECT id FROM ai_providers WHERE name='p-${c.toLowerCase()}'), 'x', true);`);
    }
    await db.exec(`INSERT INTO ai_providers (name, display_name, provider_class) VALUES ('p-envstring2', 'EnvString2', 'EnvString');
INSERT INTO ai_models (name, display_name, provider_id, model_id, is_active) VALUES ('m-envstring2', 'x', (SELECT id FROM ai_providers WHERE name='p-envstring2'), 'x', true);`);
    await sb.reload();
  });
  after(async () => {
    await sb.close();
    await db.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test('the registry loaded; the module that throws at import is warned about', () => {
    assert.ok(logs.some((l) => l.includes('f-top-level.mjs')));
    assert.ok(sb.models().some((m) => m.name === 'm-syncthrow'), 'the other classes still load');
  });

  test('a class whose provider has no chat/stream is not listed as available', () => {
    const names = sb.models().map((m) => m.name);
    assert.equal(names.includes('m-emptyclass'), false, 'm-emptyclass is listed by models() although its provider cannot chat');
  });

  test('a provider whose stream() throws synchronously still gets its ledger row (as its chat() does)', async () => {
    await sb.service.usage?.flush();
    const count = async (endpoint: string) => (await db.query<{ n: number }>(`select count(*)::int as n from public.ai_usage where model_name = 'm-syncthrow' and streamed = $1`, [endpoint === 'stream'])).rows[0]!.n;
    const [chatBefore, streamBefore] = [await count('chat'), await count('stream')];
    await sb.chat({ model: 'm-syncthrow', messages: [user('x')] }).catch(() => {});
    await (async () => { try { for await (const _ of sb.stream({ model: 'm-syncthrow', messages: [user('x')] })) { /* */ } } catch { /* */ } })();
    await sb.service.usage?.flush();
    assert.equal((await count('chat')) - chatBefore, 1, 'chat row');
    assert.equal((await count('stream')) - streamBefore, 1, 'stream row');
  });

  test('no unhandled rejections', async () => {
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(unhandled.map(String), []);
  });
});
