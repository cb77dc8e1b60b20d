import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tracingSettings } from './tracing-settings.js';

describe('tracingSettings', () => {
  it('is off without an endpoint, and when switched off', () => {
    assert.equal(tracingSettings({}), undefined);
    assert.equal(tracingSettings({ SWITCHBOARD_OTEL: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), undefined);
    assert.equal(tracingSettings({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), undefined);
    assert.equal(tracingSettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), undefined);
    assert.equal(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }), undefined);
  });

  it('is on with an endpoint: the traces path is added, a traces endpoint is used as it is', () => {
    assert.deepEqual(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), {
      url: 'http://collector:4318/v1/traces',
      serviceName: 'switchboard',
      propagateUpstream: true,
      warnings: [],
    });
    const settings = tracingSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
      OTEL_SERVICE_NAME: 'gateway-eu',
      SWITCHBOARD_OTEL: 'on',
      SWITCHBOARD_OTEL_PROPAGATE: 'off',
    });
    assert.equal(settings?.url, 'https://traces.example/otlp');
    assert.equal(settings?.serviceName, 'gateway-eu');
    assert.equal(settings?.propagateUpstream, false);
  });

  it('refuses a switch without an endpoint, a bad switch and a bad URL', () => {
    assert.throws(() => tracingSettings({ SWITCHBOARD_OTEL: 'on' }), /SWITCHBOARD_OTEL=on needs OTEL_EXPORTER_OTLP_ENDPOINT/);
    assert.throws(() => tracingSettings({ SWITCHBOARD_OTEL: 'yes please' }), /SWITCHBOARD_OTEL must be on or off/);
    assert.throws(() => tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), /must be an http\(s\) URL/);
    assert.throws(() => tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'file:///etc/passwd' }), /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http\(s\) URL/);
  });

  it('warns when another protocol is asked for', () => {
    const settings = tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    assert.match(settings?.warnings[0] ?? '', /http\/protobuf is not supported; spans are sent as OTLP\/HTTP JSON/);
  });
});
