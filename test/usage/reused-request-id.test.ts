// A client's x-request-id is the ledger's request id, unique (with the attempt) across projects. A
// request that reuses an id already taken (by its own project or another) is recorded as
// `<id>~<8 characters>`, while its answer, log line and span say `<id>`; looking it up by that id
// found only the first request's row, of another project perhaps, and the later row under an id
// nobody knew (found by an attack review). Explaining an id now lists the requests recorded under
// it renamed, with their project.
// Library calls choose their own request id (`context.requestId`), and an app often passes on what
// its own client sent (a header, a field of the body). An id of a few thousand characters is more
// than Postgres can put in the ledger's unique (request_id, attempt) index (54000, "index row size
// exceeds maximum 2704"): the writer kept the whole batch waiting, every project's rows behind it,
// until the buffer overflowed and rows were dropped (found by an attack review). The row is now
// recorded under its first 100 characters and a suffix, like a reused id, and the ledger goes on.
// Real gateway and database, a plain HTTP upstream.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { renderExplanation } from '../../src/cli/commands/usage-explain.js';
import { explainUsage } from '../../src/usage/reports/usage-explain.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, startStack, type Stack, type Tenant } from '../security/fixture.js';

describe('a request id used by two projects, or too long to index', () => {
  let db: TestDb;
  let vendor: MockServer;
  let stack: Stack;
  let tenants: Record<string, Tenant>;

  before(async () => {
    vendor = await startMockServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: 'c',
          object: 'chat.completion',
          created: 1,
          model: 'gpt-4o-mini',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hi' } }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        }),
      );
    });
    db = await createTestDb();
    tenants = (await seedTenants(db, `${vendor.origin}/v1`, ['first', 'second'])).tenants;
    stack = await startStack(db, { keyring: undefined, env: { [ENV_VAR]: 'sk-test' } });
  });
  after(async () => {
    await stack?.close();
    await vendor?.close();
    await db?.dispose();
  });

  async function call(tenant: Tenant, requestId: string): Promise<string | null> {
    const response = await fetch(`${stack.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.text();
    assert.equal(response.status, 200);
    await stack.sb.service.usage?.flush();
    return response.headers.get('x-request-id');
  }

  it('explaining the id shows the first request and lists the later one, renamed, with its project', async () => {
    assert.equal(await call(tenants['first'] as Tenant, 'order-42'), 'order-42');
    assert.equal(await call(tenants['second'] as Tenant, 'order-42'), 'order-42');
    const explained = await explainUsage(db, 'order-42');
    assert.deepEqual(
      explained.attempts.map((attempt) => attempt.project),
      ['first'],
    );
    assert.equal(explained.recorded_as.length, 1);
    const renamed = explained.recorded_as[0];
    assert.match(renamed?.request_id ?? '', /^order-42~.{8}$/);
    assert.equal(renamed?.project, 'second');
    assert.match(renderExplanation(explained), /recorded under another[\s\S]*order-42~.{8} \(project second, 1 attempt/);
    // The later request, explained by the id it was recorded as.
    const later = await explainUsage(db, renamed?.request_id ?? '');
    assert.deepEqual(later.attempts.map((attempt) => attempt.project), ['second']);
  });

  it("an id's `_` is no wildcard: another id's renamed rows are not listed", async () => {
    await call(tenants['first'] as Tenant, 'axb');
    await call(tenants['second'] as Tenant, 'axb');
    assert.equal((await explainUsage(db, 'axb')).recorded_as.length, 1);
    assert.equal(await call(tenants['first'] as Tenant, 'a_b'), 'a_b');
    assert.deepEqual((await explainUsage(db, 'a_b')).recorded_as, []);
  });

  const chat = (tenant: string, requestId: string): Promise<unknown> =>
    stack.sb.chat({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }, { projectId: (tenants[tenant] as Tenant).id, requestId });

  it('an id too long to index is recorded under its first 100 characters, and holds back no other row', async () => {
    const long = randomBytes(4000).toString('base64url'); // 5,334 characters that do not compress
    await chat('first', long);
    await chat('second', 'other-after-the-long-one');
    await stack.sb.service.usage?.flush();
    const rows = await db.query<{ request_id: string }>("select request_id from public.ai_usage where request_id = 'other-after-the-long-one' or request_id like $1 order by id", [`${long.slice(0, 100)}%`]);
    const ids = rows.rows.map((row) => row.request_id);
    assert.equal(ids.length, 2);
    assert.ok(ids.includes('other-after-the-long-one'), 'the other project\'s row is written');
    const renamed = ids.find((id) => id !== 'other-after-the-long-one') ?? '';
    assert.equal(renamed.slice(0, 101), `${long.slice(0, 100)}~`);
    assert.equal(renamed.length, 109);
    // Explaining the long id names the id it was recorded as, as for a reused id.
    await assert.rejects(explainUsage(db, long), (error: Error) => error.message.includes(`recorded as '${renamed}' (the id was taken, or too long to index)`));
    assert.deepEqual((await explainUsage(db, renamed)).attempts.map((attempt) => attempt.project), ['first']);
    const warning = stack.logs.find((entry) => entry.line.includes('too long to index'))?.line ?? '';
    assert.match(warning, /characters\) is too long to index; recorded as/);
    assert.ok(warning.length < 600, `the log line is ${warning.length} characters`);
  });
});
