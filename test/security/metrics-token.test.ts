// GET /metrics names every project, model, budget and rate limit with what each spent. With
// SWITCHBOARD_METRICS_TOKEN set it answers only that bearer token: no token, a wrong one or a
// gateway API key get 401 in OpenAI's error shape and none of the page.
import assert from 'node:assert/strict';
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
