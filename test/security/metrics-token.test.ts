// GET /metrics names every project, model, budget and rate limit with what each spent. With
// SWITCHBOARD_METRICS_TOKEN set it answers only that bearer token: no token, a wrong one or a
// gateway API key get 401 in OpenAI's error shape and none of the page. Without a token, on a
// loopback connection, it answers only a local Host: a page that rebinds its own name to
// 127.0.0.1 (DNS rebinding) sends that name and gets 421.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef-0123456789';

describe('GET /metrics with SWITCHBOARD_METRICS_TOKEN', () => {
  let t: TestGateway;

  before(async () => {
    t = await startTestGateway({ config: { metricsToken: METRICS_TOKEN } });
  });
  after(async () => {
    await t?.close();
  });

  const scrape = (authorization?: string): Promise<Response> => fetch(`${t.origin}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

  it('refuses a scrape without the token, with a wrong one and with a gateway key', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${METRICS_TOKEN}x`, `Bearer ${t.apiKey}`]) {
      const response = await scrape(authorization);
      assert.equal(response.status, 401, String(authorization));
      const body = (await response.json()) as { error: { type: string; code: string; message: string } };
      assert.match(body.error.message, /SWITCHBOARD_METRICS_TOKEN/);
      assert.ok(!JSON.stringify(body).includes(METRICS_TOKEN));
    }
  });

  it('serves the page to the token', async () => {
    const response = await scrape(`Bearer ${METRICS_TOKEN}`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /^switchboard_requests_in_flight \d+$/m);
  });
});

describe('GET /metrics without a token, on a loopback connection', () => {
  let t: TestGateway;

  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  /** A scrape with this Host header (fetch sets Host itself). */
  function scrape(host: string): Promise<{ status: number; body: string }> {
    const { port } = new URL(t.origin);
    return new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, path: '/metrics', headers: { host } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  it('refuses a Host a DNS-rebinding page would send (its own name), with 421 and none of the page', async () => {
    const { port } = new URL(t.origin);
    for (const host of [`attacker.example:${port}`, 'attacker.example', `localhost.attacker.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      const answer = await scrape(host);
      assert.equal(answer.status, 421, host);
      assert.match(answer.body, /DNS rebinding/);
      assert.doesNotMatch(answer.body, /switchboard_requests_in_flight/);
    }
  });

  it('serves local names and addresses', async () => {
    const { port } = new URL(t.origin);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `dash.localhost:${port}`, `[::1]:${port}`, `10.1.2.3:${port}`]) {
      const answer = await scrape(host);
      assert.equal(answer.status, 200, host);
      assert.match(answer.body, /^switchboard_requests_in_flight \d+$/m);
    }
  });

  it('the rest of the gateway answers any Host (its routes need a key)', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(t.origin);
      const outgoing = request({ host: '127.0.0.1', port, path: '/v1/models', headers: { host: 'gateway.example.com', authorization: `Bearer ${t.apiKey}` } }, (answer) => {
        answer.resume();
        resolve(answer.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    assert.equal(response, 200);
  });
});
