import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UsageRowInsert } from '../db/sql/usage.js';
import type { ModelEntry, ProviderEntry } from '../registry/provider-registry.js';
import { UsageAttempt, type AttemptOutcome } from '../usage/usage-attempt.js';
import { attemptEndAttributes, attemptFailed, attemptStartAttributes, providerName } from './gen-ai-attributes.js';

const provider = {
  id: 'p1',
  name: 'claude-eu',
  className: 'AnthropicProvider',
  baseUrl: 'https://api.anthropic.example/v1',
} as ProviderEntry;
const model = { id: 'm1', name: 'claude', modelId: 'claude-sonnet-4' } as ModelEntry;

/** An attempt ended with `outcome`, and its row. */
function settled(outcome: AttemptOutcome, endpoint: 'chat' | 'embeddings' = 'chat'): { attempt: UsageAttempt; row: UsageRowInsert } {
  let row: UsageRowInsert | undefined;
  const attempt = new UsageAttempt(
    { requestId: 'r1', projectId: 'proj-1', apiKeyId: 'k1', receivedAt: undefined, signal: undefined },
    'claude-alias',
    endpoint,
    true,
    model,
    provider,
    (ended, how) => {
      row = ended.row(how.usage?.buckets, 'provider', null, how);
    },
  );
  attempt.end(outcome);
  assert.ok(row);
  return { attempt, row };
}

const buckets = { input: 10, cachedInput: 100, cacheWrite5m: 20, cacheWrite1h: 5, output: 30, reasoning: 7 };
const usage = { inputTokens: 135, outputTokens: 37, totalTokens: 172, buckets };

describe('GenAI span attributes', () => {
  it('names the built-in vendors and keeps other rows by name', () => {
    assert.equal(providerName('OpenAIProvider', 'openai'), 'openai');
    assert.equal(providerName('GoogleProvider', 'gemini'), 'gcp.gemini');
    assert.equal(providerName('CustomProvider', 'azure-eu'), 'azure-eu');
  });

  it('counts cache reads and writes in the input and reasoning in the output, as the conventions say', () => {
    const { attempt, row } = settled({ status: 200, errorCode: null, incomplete: false, usage, estimate: undefined });
    row.costUsd = '0.001234500000';
    attempt.responseModel = 'claude-sonnet-4-20250514';
    const end = attemptEndAttributes(attempt, row);
    assert.equal(end['gen_ai.usage.input_tokens'], 135);
    assert.equal(end['gen_ai.usage.output_tokens'], 37);
    assert.equal(end['gen_ai.usage.cache_read.input_tokens'], 100);
    assert.equal(end['gen_ai.usage.cache_creation.input_tokens'], 25);
    assert.equal(end['gen_ai.usage.reasoning.output_tokens'], 7);
    assert.equal(end['gen_ai.response.model'], 'claude-sonnet-4-20250514');
    assert.equal(end['switchboard.cost_usd'], 0.0012345);
    assert.equal(end['error.type'], undefined);
    assert.equal(attemptFailed(row), false);
  });

  it('reads the route and arm of a routed row, and marks failures', () => {
    const { attempt, row } = settled({ status: 502, errorCode: 'provider_error', incomplete: true, usage: undefined, estimate: undefined });
    const routed = Object.assign(row, { routeName: 'support-ab', routeVersion: 3, arm: 'b', servedArm: 'a', fallback: true });
    const end = attemptEndAttributes(attempt, routed);
    assert.equal(end['switchboard.route'], 'support-ab');
    assert.equal(end['switchboard.arm'], 'b');
    assert.equal(end['switchboard.route_version'], 3);
    assert.equal(end['switchboard.served_arm'], 'a');
    assert.equal(end['switchboard.fallback'], true);
    assert.equal(end['error.type'], 'provider_error');
    assert.equal(end['switchboard.cost_usd'], undefined, 'no price, no cost attribute');
    assert.equal(end['gen_ai.response.model'], undefined, 'unknown, not guessed');
    assert.equal(attemptFailed(row), true);
    assert.equal(attemptFailed({ ...row, status: 499, errorCode: null }), false, 'a client that went away is not an error');
  });

  it('starts with the operation, the vendor, both model names and the server', () => {
    const { attempt } = settled({ status: 200, errorCode: null, incomplete: false, usage, estimate: undefined }, 'embeddings');
    assert.deepEqual(attemptStartAttributes(attempt), {
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4',
      'switchboard.model': 'claude',
      'switchboard.requested_model': 'claude-alias',
      'switchboard.provider': 'claude-eu',
      'switchboard.endpoint': 'embeddings',
      'switchboard.streamed': true,
      'switchboard.request_id': 'r1',
      'switchboard.project_id': 'proj-1',
      'server.address': 'api.anthropic.example',
      'server.port': 443,
    });
  });
  it("leaves out a vendor's model that is no plausible model id (megabytes, control characters)", () => {
    const { attempt, row } = settled({ status: 200, errorCode: null, incomplete: false, usage, estimate: undefined });
    for (const model of ['x'.repeat(257), 'gpt-4o\nInjected: 1', '', 'model with spaces']) {
      attempt.responseModel = model;
      assert.equal(attemptEndAttributes(attempt, row)['gen_ai.response.model'], undefined, JSON.stringify(model.slice(0, 20)));
    }
    attempt.responseModel = 'models/gemini-2.5-flash:001';
    assert.equal(attemptEndAttributes(attempt, row)['gen_ai.response.model'], 'models/gemini-2.5-flash:001');
  });
});
