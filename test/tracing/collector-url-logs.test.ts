// The collector URL in logs and start-up errors carries no user, password or query (found by an
// attack review): the protocol warning (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, a common
// setting) logged the URL as configured, password included; so did the error for a URL of another
// scheme; and the "tracing on" line kept a token in the query (`?api-key=`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTracing } from '../../src/tracing/load-tracing.js';
import { tracingSettings } from '../../src/tracing/tracing-settings.js';

const SECRET = 'collector-token-0123456789abcdef';

async function startLogs(env: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  let settings;
  try {
    settings = tracingSettings(env);
  } catch (error) {
    // `serve` prints this error at start (stderr, container logs).
    return (error as Error).message;
  }
  const tracing = await loadTracing(settings ? { ...settings, shutdownMs: 200 } : undefined, (level, message, fields) => lines.push(JSON.stringify({ level, message, fields })));
  await tracing?.shutdown();
  return lines.join('\n');
}

describe('collector credentials in the tracing logs', () => {
  it('the protocol warning does not log the password of the endpoint', async () => {
    const logs = await startLogs({ OTEL_EXPORTER_OTLP_ENDPOINT: `https://tenant:${SECRET}@127.0.0.1:9`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    assert.ok(logs.includes('not supported'), logs);
    assert.ok(!logs.includes(SECRET), logs);
  });

  it('the error for a URL of another scheme does not print the password', async () => {
    const logs = await startLogs({ OTEL_EXPORTER_OTLP_ENDPOINT: `grpc://tenant:${SECRET}@127.0.0.1:4317` });
    assert.ok(!logs.includes(SECRET), logs);
  });

  it('the "tracing on" line does not log a token in the query', async () => {
    const logs = await startLogs({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `https://127.0.0.1:9/v1/traces?api-key=${SECRET}` });
    assert.ok(logs.includes('tracing on'), logs);
    assert.ok(!logs.includes(SECRET), logs);
  });
});
