import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadGovernanceSettings } from './governance-settings.js';

describe('governance settings', () => {
  it('bounds the wait on a lease exchange: 2 s by default, SWITCHBOARD_GOVERNANCE_TIMEOUT_MS otherwise', () => {
    assert.equal(loadGovernanceSettings({}).timeoutMs, 2000);
    assert.equal(loadGovernanceSettings({ SWITCHBOARD_GOVERNANCE_TIMEOUT_MS: '500' }).timeoutMs, 500);
    assert.throws(() => loadGovernanceSettings({ SWITCHBOARD_GOVERNANCE_TIMEOUT_MS: '5' }), /SWITCHBOARD_GOVERNANCE_TIMEOUT_MS must be a number between 50 and 60000/);
  });

  it('reserves SWITCHBOARD_WEB_SEARCH_RESERVE searches (default 5) for a search tool without a cap', () => {
    assert.equal(loadGovernanceSettings({}).webSearchReserve, 5);
    assert.equal(loadGovernanceSettings({ SWITCHBOARD_WEB_SEARCH_RESERVE: '0' }).webSearchReserve, 0);
    assert.equal(loadGovernanceSettings({ SWITCHBOARD_WEB_SEARCH_RESERVE: ' 12 ' }).webSearchReserve, 12);
    assert.throws(() => loadGovernanceSettings({ SWITCHBOARD_WEB_SEARCH_RESERVE: '2.5' }), /SWITCHBOARD_WEB_SEARCH_RESERVE must be a whole number between 0 and 1000/);
    assert.throws(() => loadGovernanceSettings({ SWITCHBOARD_WEB_SEARCH_RESERVE: '-1' }), /SWITCHBOARD_WEB_SEARCH_RESERVE must be a number between 0 and 1000/);
  });
});
