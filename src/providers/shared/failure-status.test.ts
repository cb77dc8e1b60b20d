import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { failureEventStatus } from './native-failure.js';
import { statusForErrorName } from './failure-status.js';

describe('failureEventStatus', () => {
  test('the status each native failure shape stands for', () => {
    const cases: [unknown, number][] = [
      [{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 529],
      [{ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }, 429],
      [{ type: 'error', code: 'rate_limit_exceeded', message: 'slow down', param: null }, 429],
      [{ type: 'response.failed', response: { id: 'r', status: 'failed', error: { code: 'server_error', message: 'x' } } }, 500],
      [{ type: 'response.failed', response: { id: 'r', status: 'failed', error: null } }, 502],
      [{ error: { code: 429, message: 'Rate limit exceeded' } }, 429],
      [{ error: { code: '402', message: 'credits' } }, 402],
      [{ error: { code: 200, message: 'odd' } }, 502],
      [{ error: { type: 'None', code: 'None' } }, 502],
      [{ error: { type: 'constructor', code: '__proto__' } }, 502],
      [[1, 2], 502],
    ];
    for (const [event, status] of cases) assert.equal(failureEventStatus(JSON.stringify(event)), status, JSON.stringify(event));
    assert.equal(failureEventStatus('not json'), 502);
  });

  test('only own names of the table', () => {
    assert.equal(statusForErrorName('toString'), undefined);
    assert.equal(statusForErrorName('hasOwnProperty'), undefined);
    assert.equal(statusForErrorName(529), undefined);
    assert.equal(statusForErrorName('overloaded_error'), 529);
  });
});
