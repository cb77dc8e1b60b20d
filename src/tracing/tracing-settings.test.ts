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
      sampleRatio: 1,
      trustClientSampling: false,
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

  it("reads the ratio from OTEL_TRACES_SAMPLER(_ARG); a client's sampled flag counts only when trusted", () => {
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    const ratio = (env: Record<string, string>): number | undefined => tracingSettings({ ...on, ...env })?.sampleRatio;
    assert.equal(ratio({ OTEL_TRACES_SAMPLER: 'always_on' }), 1);
    assert.equal(ratio({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }), 0);
    assert.equal(ratio({ OTEL_TRACES_SAMPLER: 'always_off', OTEL_TRACES_SAMPLER_ARG: '0.5' }), 0);
    assert.equal(ratio({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }), 0.25);
    assert.equal(ratio({ OTEL_TRACES_SAMPLER: 'TraceIdRatio' }), 1, 'no argument: 1, as the SDK');
    for (const arg of ['1.5', '-0.1', 'half', 'NaN']) {
      assert.throws(() => ratio({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg }), /OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1/);
    }
    assert.throws(() => ratio({ OTEL_TRACES_SAMPLER: 'jaeger_remote' }), /OTEL_TRACES_SAMPLER must be always_on, always_off or traceidratio/);
    assert.equal(tracingSettings(on)?.trustClientSampling, false);
    assert.equal(tracingSettings({ ...on, SWITCHBOARD_OTEL_TRUST_CLIENT_SAMPLING: '1' })?.trustClientSampling, true);
    assert.throws(() => tracingSettings({ ...on, SWITCHBOARD_OTEL_TRUST_CLIENT_SAMPLING: 'maybe' }), /SWITCHBOARD_OTEL_TRUST_CLIENT_SAMPLING must be on or off/);
  });

  it('warns when another protocol is asked for', () => {
    const settings = tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    assert.match(settings?.warnings[0] ?? '', /http\/protobuf is not supported; spans are sent as OTLP\/HTTP JSON/);
  });
});
