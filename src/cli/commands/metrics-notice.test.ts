import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsNotice } from './metrics-notice.js';

test('an open /metrics is flagged on a reachable address only', () => {
  assert.equal(metricsNotice('127.0.0.1', undefined), undefined);
  assert.equal(metricsNotice('::1', undefined), undefined);
  assert.equal(metricsNotice('::ffff:127.0.0.1', undefined), undefined);
  assert.match(metricsNotice('0.0.0.0', undefined) ?? '', /SWITCHBOARD_METRICS_TOKEN/);
  assert.match(metricsNotice('::', undefined) ?? '', /anyone who can reach ::/);
  assert.equal(metricsNotice('0.0.0.0', 'x'.repeat(32)), undefined);
});
