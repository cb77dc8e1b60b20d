import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, loadConfigMinIntervalMs, loadUsageSettings } from './config.js';
import { tracingSettings } from './tracing/tracing-settings.js';

describe('on/off settings', () => {
  it('reads the usual spellings of on and off, in any case', () => {
    for (const word of ['0', 'false', 'off', 'no', 'OFF', ' No ']) {
      assert.equal(loadUsageSettings({ SWITCHBOARD_USAGE: word }).enabled, false, word);
      assert.equal(loadConfig({ SWITCHBOARD_CONFIG_LISTEN: word }).configListen, false, word);
    }
    for (const word of ['1', 'true', 'on', 'yes', 'TRUE', 'On']) {
      assert.equal(loadConfig({ SWITCHBOARD_LOG_BODIES: word }).logBodies, true, word);
      assert.equal(loadUsageSettings({ SWITCHBOARD_USAGE: word }).enabled, true, word);
    }
  });

  it('keeps the default when unset or empty', () => {
    assert.equal(loadUsageSettings({}).enabled, true);
    assert.equal(loadUsageSettings({ SWITCHBOARD_USAGE: '  ' }).enabled, true);
    assert.equal(loadConfig({}).configListen, true);
    assert.equal(loadConfig({ SWITCHBOARD_LOG_BODIES: '' }).logBodies, false);
  });

  it('refuses a word it cannot read instead of leaving the switch as it was', () => {
    assert.throws(() => loadUsageSettings({ SWITCHBOARD_USAGE: 'disabled' }), /SWITCHBOARD_USAGE must be on or off .*got 'disabled'/);
    assert.throws(() => loadConfig({ SWITCHBOARD_LOG_BODIES: 'verbose' }), /SWITCHBOARD_LOG_BODIES must be on or off/);
    assert.throws(() => loadConfig({ SWITCHBOARD_CONFIG_LISTEN: '2' }), /SWITCHBOARD_CONFIG_LISTEN must be on or off/);
  });

  it('applies to the trace propagation switch', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    assert.equal(tracingSettings(env)?.propagateUpstream, true);
    assert.equal(tracingSettings({ ...env, SWITCHBOARD_OTEL_PROPAGATE: 'no' })?.propagateUpstream, false);
    assert.throws(() => tracingSettings({ ...env, SWITCHBOARD_OTEL_PROPAGATE: 'never' }), /SWITCHBOARD_OTEL_PROPAGATE must be on or off/);
  });
});

describe('SWITCHBOARD_CONFIG_MIN_INTERVAL_MS', () => {
  it('defaults to 50 ms and refuses what is not an integer from 0 to 60,000', () => {
    assert.equal(loadConfigMinIntervalMs({}), 50);
    assert.equal(loadConfigMinIntervalMs({ SWITCHBOARD_CONFIG_MIN_INTERVAL_MS: '0' }), 0);
    assert.throws(() => loadConfigMinIntervalMs({ SWITCHBOARD_CONFIG_MIN_INTERVAL_MS: '-1' }), /between 0 and 60000/);
    assert.throws(() => loadConfigMinIntervalMs({ SWITCHBOARD_CONFIG_MIN_INTERVAL_MS: 'fast' }), /SWITCHBOARD_CONFIG_MIN_INTERVAL_MS/);
  });
});
