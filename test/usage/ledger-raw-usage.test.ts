// A hostile upstream decides the `usage` object the ledger keeps as raw_usage (found by an attack
// review): it was stored as received, so a vendor could pad it to megabytes within the answer's
// size limit (rows held in the buffer while the database is down, and in the table) and a key it
// echoed there was stored and served back by usage explain. Only what a usage object holds is
// kept now (src/usage/raw-usage.ts). Real gateway and database, a plain HTTP upstream.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { explainUsage } from '../../src/usage/reports/usage-explain.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, startStack, type Stack, type Tenant } from '../security/fixture.js';

const key = `sk-proj-${randomBytes(20).toString('hex')}`;
const PAD = 2 * 1024 * 1024;

describe('raw_usage from a hostile upstream', () => {
  let db: TestDb;
  let hostile: MockServer;
  let stack: Stack;
  let tenant: Tenant;

  before(async () => {
    hostile = await startMockServer((request, response) => {
      const body = request.body as { stream?: boolean };
      const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, note: `billed to ${key}`, pad: 'x'.repeat(PAD) };
      if (body.stream) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] };
        response.write(`data: ${JSON.stringify(chunk)}\n\n`);
        response.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { ...usage, pad: 'y'.repeat(900 * 1024) } })}\n\n`);
        response.end('data: [DONE]\n\n');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hi' } }], usage }));
    });
    db = await createTestDb();
    const seeded = await seedTenants(db, `${hostile.origin}/v1`, ['victim']);
    tenant = seeded.tenants['victim'] as Tenant;
    stack = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: key } });
  });
  after(async () => {
    await stack?.close();
    await hostile?.close();
    await db?.dispose();
  });

  it('is bounded in size and carries no provider key', async () => {
    for (const stream of [false, true]) {
      const response = await fetch(`${stack.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'x-request-id': `raw-${stream}` },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
      });
      const text = await response.text();
      assert.equal(response.status, 200, text.slice(0, 300));
      assert.ok(!text.includes(key), 'the client answer carries no key');
    }
    await stack.sb.service.usage?.flush();
    const rows = await db.query<{ request_id: string; size: number; raw: string }>(
      `select request_id, octet_length(raw_usage::text) as size, raw_usage::text as raw from public.ai_usage order by request_id`,
    );
    assert.equal(rows.rows.length, 2);
    const problems: string[] = [];
    for (const row of rows.rows) {
      if (row.raw.includes(key)) problems.push(`${row.request_id}: the ledger row holds the provider key`);
      if (row.size > 64 * 1024) problems.push(`${row.request_id}: raw_usage is ${row.size} bytes`);
    }
    // The admin API serves the same object (usage explain).
    const explained = JSON.stringify(await explainUsage(db, 'raw-false'));
    if (explained.includes(key)) problems.push('usage explain serves the provider key');
    assert.deepEqual(problems, []);
  });
});
