import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayMetrics } from './metrics.js';

describe('GatewayMetrics', () => {
  it('renders counters and histograms in Prometheus text', () => {
    const metrics = new GatewayMetrics();
    const sample = {
      route: '/v1/chat/completions',
      model: 'gpt"x',
      provider: 'openai',
      status: 200,
      durationMs: 12,
      upstreamMs: 11.5,
      inputTokens: 5,
      outputTokens: 3,
      errorCode: undefined,
    };
    metrics.record(sample);
    metrics.record({ ...sample, status: 429, inputTokens: 0, outputTokens: 0, errorCode: 'rate_limited' });
    metrics.record({ ...sample, route: '/healthz', model: '', provider: '', upstreamMs: undefined, inputTokens: 0, outputTokens: 0 });
    const text = metrics.render(7);
    assert.match(text, /^switchboard_requests_total\{route="\/v1\/chat\/completions",model="gpt\\"x",provider="openai",status="200"\} 1$/m);
    assert.match(text, /^switchboard_requests_total\{route="\/v1\/chat\/completions",model="gpt\\"x",provider="openai",status="429"\} 1$/m);
    assert.match(text, /^switchboard_request_duration_seconds_bucket\{route="\/v1\/chat\/completions",le="0.025"\} 2$/m);
    assert.match(text, /^switchboard_request_duration_seconds_bucket\{route="\/v1\/chat\/completions",le="0.01"\} 0$/m);
    assert.match(text, /^switchboard_request_duration_seconds_count\{route="\/healthz"\} 1$/m);
    assert.match(text, /^switchboard_upstream_duration_seconds_count\{route="\/v1\/chat\/completions",provider="openai"\} 2$/m);
    assert.match(text, /^switchboard_gateway_overhead_seconds_bucket\{route="\/v1\/chat\/completions",le="0.0005"\} 2$/m);
    assert.doesNotMatch(text, /switchboard_gateway_overhead_seconds_count\{route="\/healthz"\}/);
    assert.match(text, /^switchboard_tokens_total\{model="gpt\\"x",direction="input"\} 5$/m);
    assert.match(text, /^switchboard_errors_total\{code="rate_limited"\} 1$/m);
    assert.match(text, /^switchboard_config_version 7$/m);
    assert.match(text, /# TYPE switchboard_request_duration_seconds histogram/);
  });
});
