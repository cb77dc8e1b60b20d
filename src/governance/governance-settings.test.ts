import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadGovernanceSettings } from './governance-settings.js';

describe('governance settings', () => {
  it('bounds the wait on a lease exchange: 2 s by default, SWITCHBOARD_GOVERNANCE_TIMEOUT_MS otherwise', () => {
    assert.equal(loadGovernanceSettings({}).timeoutMs, 2000);
    assert.equal(loadGovernanceSettings({ SWITCHBOARD_GOVERNANCE_TIMEOUT_MS: '500' }).timeoutMs, 500);
    assert.throws(() => loadGovernanceSettings({ SWITCHBOARD_GOVERNANCE_TIMEOUT_MS: '5' }), /SWITCHBOARD_GOVERNANCE_TIMEOUT_MS must be a number between 50 and 60000/);
  });
});
