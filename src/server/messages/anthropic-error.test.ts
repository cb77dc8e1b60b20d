import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError, SwitchboardError } from '../../errors.js';
import { GovernanceError } from '../../governance/governance-error.js';
import { toAnthropicError } from './anthropic-error.js';

describe('toAnthropicError', () => {
  it("gives governance refusals Anthropic's type for their status", () => {
    const notAllowed = toAnthropicError(new GovernanceError('model_not_allowed', "This API key is not allowed to call 'x'.", { param: 'model' }), 'req-1');
    assert.equal(notAllowed.status, 403);
    assert.equal(notAllowed.body.error.type, 'permission_error');
    const budget = toAnthropicError(new GovernanceError('insufficient_quota', "Budget 'b' is exhausted.", { retryAfter: 30 }), 'req-2');
    assert.equal(budget.status, 429);
    assert.equal(budget.body.error.type, 'rate_limit_error');
    assert.equal(budget.retryAfter, 30);
    const unavailable = toAnthropicError(new GovernanceError('governance_unavailable', 'Budgets cannot be checked.', { retryAfter: 1 }), 'req-3');
    assert.equal(unavailable.body.error.type, 'api_error');
  });

  it('keeps the types of the codes it names, and falls back on 400 / 5xx', () => {
    assert.equal(toAnthropicError(new SwitchboardError('rate_limited', 'slow down'), 'r').body.error.type, 'rate_limit_error');
    assert.equal(toAnthropicError(new SwitchboardError('conflict', 'taken'), 'r').body.error.type, 'invalid_request_error');
    assert.equal(toAnthropicError(new SwitchboardError('invalid_request', 'bad'), 'r').body.error.type, 'invalid_request_error');
    const overloaded = toAnthropicError(new ProviderError('provider_unavailable', 'busy', { provider: 'p', status: 503 }), 'r');
    assert.equal(overloaded.status, 529);
    assert.equal(overloaded.body.error.type, 'overloaded_error');
  });
});
