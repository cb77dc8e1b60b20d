// A client's x-request-id is the ledger's request id, unique (with the attempt) across projects. A
// request that reuses an id already taken (by its own project or another) is recorded as
// `<id>~<8 characters>`, while its answer, log line and span say `<id>`; looking it up by that id
// found only the first request's row, of another project perhaps, and the later row under an id
// nobody knew (found by an attack review). Explaining an id now lists the requests recorded under
// it renamed, with their project. Real gateway and database, a plain HTTP upstream.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renderExplanation } from '../../src/cli/commands/usage-explain.js';
import { explainUsage } from '../../src/usage/reports/usage-explain.js';
import { startMockServer, type MockServer } from '../helpers/mock-server.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { ENV_VAR, MODEL, seedTenants, startStack, type Stack, type Tenant } from '../security/fixture.js';

describe('a request id used by two projects', () => {
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
});
