// HTTP request forms over raw sockets, on the real stack (admin service, PGlite or Postgres):
// HEAD on every GET route answers as GET without a body (RFC 9110 §9.3.2), and an absolute-form
// request target (`POST http://host:port/v1/chat/completions`, RFC 9112 §3.2.2) routes on its path,
// without letting its authority or the Host header pass the /metrics local-Host check.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startOpenAIMock, type OpenAIMock } from '../mock-vendors/openai.js';
import { ADMIN_TOKEN, startDashboardServer, type DashboardServer } from '../admin/dashboard-harness.js';
import { createTestDb, type TestDb } from '../helpers/test-db.js';

const ENV_KEY = 'sk-forms-env-0123456789abcdef';

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  /** Every byte after the head. */
  body: string;
}

/** Sends one request with `connection: close` and reads the whole answer until the server closes. */
function raw(port: number, head: string, body = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, split).split('\r\n');
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) headers.set(line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim());
      resolve({ status: Number(lines[0]?.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.write(`${head}\r\nconnection: close\r\n${body === '' ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`);
  });
}

describe('HTTP request forms', () => {
  let db: TestDb;
  let openai: OpenAIMock;
  let server: DashboardServer;
  let port: number;
  let apiKey: string;

  before(async () => {
    openai = await startOpenAIMock({ apiKeys: [ENV_KEY] });
    db = await createTestDb();
    server = await startDashboardServer(db, { env: { FORMS_OPENAI_API_KEY: ENV_KEY } });
    port = Number(new URL(server.origin).port);
    const provider = { name: 'forms-openai', provider_class: 'OpenAIProvider', api_base_url: openai.baseUrl, required_env_vars: ['FORMS_OPENAI_API_KEY'] };
    assert.equal((await server.post('/providers', provider)).status, 201);
    assert.equal((await server.post('/models', { name: 'forms-gpt', provider: 'forms-openai', model_id: 'gpt-4o-mini' })).status, 201);
    assert.equal((await server.post('/projects', { name: 'forms' })).status, 201);
    const key = await server.post('/api-keys', { project: 'forms' });
    apiKey = String(key.body['key']);
  });

  after(async () => {
    await server?.close();
    await db?.dispose();
    await openai?.close();
  });

  const auth = (token: string): string => `authorization: Bearer ${token}`;

  describe('HEAD answers as GET without a body', () => {
    const routes: [string, () => string | undefined][] = [
      ['/v1/models', () => auth(apiKey)],
      ['/v1/models/forms-gpt', () => auth(apiKey)],
      ['/v1/models/no-such-model', () => auth(apiKey)],
      ['/v1/models', () => undefined],
      ['/healthz', () => undefined],
      ['/readyz', () => undefined],
      ['/metrics', () => undefined],
      ['/admin/v1/openapi.json', () => undefined],
      ['/admin/v1/providers', () => auth(ADMIN_TOKEN)],
      ['/admin/v1/providers/forms-openai', () => auth(ADMIN_TOKEN)],
      ['/admin/v1/providers', () => undefined],
      ['/admin/v1/status', () => auth(ADMIN_TOKEN)],
      ['/admin/v1/usage/series?format=csv', () => auth(ADMIN_TOKEN)],
      ['/admin/', () => undefined],
    ];
    for (const [path, header] of routes) {
      test(`HEAD ${path}${header() === undefined ? ' (no credentials)' : ''}`, async () => {
        const extra = header() === undefined ? '' : `\r\n${header()}`;
        const get = await raw(port, `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1${extra}`);
        const head = await raw(port, `HEAD ${path} HTTP/1.1\r\nhost: 127.0.0.1${extra}`);
        assert.equal(head.status, get.status, get.body);
        assert.equal(head.body, '', 'no body bytes after the head');
        // /metrics counts the GET itself, so its length differs by the request just made.
        const names = ['content-type', 'cache-control', 'allow', 'content-security-policy', ...(path === '/metrics' ? [] : ['content-length'])];
        for (const name of names) {
          assert.equal(head.headers.get(name), get.headers.get(name), name);
        }
      });
    }

    test('HEAD without a key is 401, as GET is', async () => {
      const head = await raw(port, 'HEAD /v1/models HTTP/1.1\r\nhost: 127.0.0.1');
      assert.equal(head.status, 401);
      const admin = await raw(port, 'HEAD /admin/v1/providers HTTP/1.1\r\nhost: 127.0.0.1');
      assert.equal(admin.status, 401);
    });

    test('HEAD on the event stream answers its head and ends', async () => {
      const head = await raw(port, `HEAD /admin/v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth(ADMIN_TOKEN)}`);
      assert.equal(head.status, 200);
      assert.match(head.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(head.body, '');
    });

    test('HEAD on a POST route stays 405; a GET route names HEAD in allow', async () => {
      const chat = await raw(port, `HEAD /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth(apiKey)}`);
      assert.equal(chat.status, 405);
      assert.equal(chat.headers.get('allow'), 'POST');
      const models = await raw(port, `DELETE /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth(apiKey)}`);
      assert.equal(models.status, 405);
      assert.equal(models.headers.get('allow'), 'GET, HEAD');
    });
  });

  describe('absolute-form request targets', () => {
    test('POST http://127.0.0.1:port/v1/chat/completions is served', async () => {
      const body = JSON.stringify({ model: 'forms-gpt', messages: [{ role: 'user', content: 'hi' }] });
      const answer = await raw(
        port,
        `POST http://127.0.0.1:${port}/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n${auth(apiKey)}\r\ncontent-type: application/json`,
        body,
      );
      assert.equal(answer.status, 200, answer.body);
      assert.equal((JSON.parse(answer.body) as { object: string }).object, 'chat.completion');
    });

    test('GET reads, the query string and the admin API route on the path part', async () => {
      const models = await raw(port, `GET http://127.0.0.1:${port}/v1/models?x=1 HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth(apiKey)}`);
      assert.equal(models.status, 200, models.body);
      const csv = await raw(port, `GET HTTP://127.0.0.1:${port}/admin/v1/usage/series?format=csv HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth(ADMIN_TOKEN)}`);
      assert.equal(csv.status, 200, csv.body);
      assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
      const refused = await raw(port, `GET http://127.0.0.1:${port}/admin/v1/providers HTTP/1.1\r\nhost: 127.0.0.1`);
      assert.equal(refused.status, 401);
      const bare = await raw(port, `GET http://127.0.0.1:${port} HTTP/1.1\r\nhost: 127.0.0.1`);
      assert.equal(bare.status, 404);
    });

    test('/metrics without a token needs a local name in both the target and the Host header', async () => {
      const local = await raw(port, `GET http://127.0.0.1:${port}/metrics HTTP/1.1\r\nhost: 127.0.0.1:${port}`);
      assert.equal(local.status, 200, local.body);
      const foreignTarget = await raw(port, `GET http://rebind.example:${port}/metrics HTTP/1.1\r\nhost: 127.0.0.1:${port}`);
      assert.equal(foreignTarget.status, 421, foreignTarget.body);
      const foreignHost = await raw(port, `GET http://127.0.0.1:${port}/metrics HTTP/1.1\r\nhost: rebind.example:${port}`);
      assert.equal(foreignHost.status, 421, foreignHost.body);
    });
  });
});
