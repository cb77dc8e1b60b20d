// A tenant's text in the request log of a real `switchboard serve` process, with
// SWITCHBOARD_LOG_BODIES=1: the prompt (and the vendor's echo of it) may hold terminal escapes,
// C1 controls and right-to-left overrides. On stdout (the terminal of `npm start`, or `jq -r` over
// a log file) none of them may come through as raw bytes: they are written as visible \uXXXX text.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServeDatabase, type ServeDatabase } from '../helpers/serve-database.js';
import { insertProjectKey, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';

const VENDOR_KEY = 'sk-logline-0123456789abcdef';
const MODEL = 'log-gpt';
/** Raw bytes a terminal would act on or reorder by, in what JSON.stringify leaves raw or escapes. */
// eslint-disable-next-line no-control-regex -- matching them is the point
const RAW_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('tenant text in the request log of a serve process', () => {
  let database: ServeDatabase;
  let openai: OpenAIMock;
  let apiKey: string;
  let serve: ServeProcess | undefined;

  before(async () => {
    openai = await startOpenAIMock({ apiKeys: [VENDOR_KEY] });
    database = await createServeDatabase(async (db) => {
      await db.query(
        `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values ('log-openai', 'OpenAIProvider', $1, '["LOG_TEST_API_KEY"]')`,
        [openai.baseUrl],
      );
      await db.query(`insert into public.ai_models (name, provider_id, model_id) select $1, id, 'gpt-4o-mini' from public.ai_providers where name = 'log-openai'`, [MODEL]);
      apiKey = (await insertProjectKey(db, 'logs')).key;
    });
    serve = await startServeProcess({
      ...database.target,
      env: { LOG_TEST_API_KEY: VENDOR_KEY, SWITCHBOARD_LOG_BODIES: '1', SWITCHBOARD_CONFIG_POLL_MS: '60000' },
      startTimeoutMs: 60_000,
    });
  });
  after(async () => {
    await serve?.stop().catch(() => undefined);
    await openai?.close();
    await database?.dispose();
  });

  it("a prompt's escapes, C1 controls and bidi overrides reach the log line as visible text", async () => {
    assert.ok(serve);
    // ESC (a window title), CSI as a C1 control, a carriage return, a right-to-left override, an
    // isolate, DEL; and a backslash the client typed before `u001b`, which must stay as typed.
    const prompt = 'hi\u001b]0;owned\u0007 \u009b2J\r\u202etixe\u2066 \u007f \\u001b end';
    const response = await fetch(`${serve.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-request-id': 'log-controls-1' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: prompt }] }),
    });
    assert.equal(response.status, 200);
    const line = await serve.waitForLog((entry) => entry['request_id'] === 'log-controls-1');
    const raw = serve.output().stdout.split('\n').find((text) => text.includes('"request_id":"log-controls-1"'));
    assert.ok(raw !== undefined);
    assert.doesNotMatch(raw, RAW_CONTROLS, 'no raw control or bidi character on stdout');
    const visible = 'hi\\u001b]0;owned\\u0007 \\u009b2J\\u000d\\u202etixe\\u2066 \\u007f \\u001b end';
    const body = line['request_body'] as { messages: { content: string }[] };
    assert.equal(body.messages[0]?.content, visible);
    assert.equal(line['response_text'], `Echo: ${visible}`);
    // Decoded (what `jq -r` prints), the values hold no control either.
    assert.doesNotMatch(body.messages[0]?.content ?? '', RAW_CONTROLS);
    assert.doesNotMatch(String(line['response_text']), RAW_CONTROLS);
  });
});
