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

  it('counts runs of samples that share labels and samples that alternate alike', () => {
    const metrics = new GatewayMetrics();
    const a = { route: '/v1/chat/completions', model: 'a', provider: 'p', status: 200, durationMs: 3, upstreamMs: undefined, inputTokens: 0, outputTokens: 2, errorCode: undefined };
    const b = { ...a, model: 'b', upstreamMs: 2, inputTokens: 4 };
    // a a b a b b a: a's later samples add what their first one left out (upstream time, input tokens).
    for (const sample of [a, a, b, { ...a, upstreamMs: 1, inputTokens: 1 }, b, b, a]) metrics.record(sample);
    const text = metrics.render(undefined);
    const value = (series: string): number => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('switchboard_requests_total{route="/v1/chat/completions",model="a",provider="p",status="200"}'), 4);
    assert.equal(value('switchboard_requests_total{route="/v1/chat/completions",model="b",provider="p",status="200"}'), 3);
    assert.equal(value('switchboard_tokens_total{model="a",direction="output"}'), 8);
    assert.equal(value('switchboard_tokens_total{model="a",direction="input"}'), 1);
    assert.equal(value('switchboard_tokens_total{model="b",direction="input"}'), 12);
    assert.equal(value('switchboard_upstream_duration_seconds_count{route="/v1/chat/completions",provider="p"}'), 4);
    assert.equal(value('switchboard_request_duration_seconds_count{route="/v1/chat/completions"}'), 7);
    assert.equal(value('switchboard_gateway_overhead_seconds_count{route="/v1/chat/completions"}'), 4);
  });
});
