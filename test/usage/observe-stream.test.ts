// The ledger watches a built-in provider's stream from inside (UpstreamParts' tap) and any other
// stream through a wrapping iterator. Both must end the attempt alike: the same outcome, model,
// first token and estimate, whether the stream completes, carries an error part, fails or is cut.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProviderError } from '../../src/errors.js';
import type { ChatMessage, StreamPart, Usage } from '../../src/providers/spec/index.js';
import { BilledProviderError } from '../../src/providers/shared/billed-provider-error.js';
import { UpstreamParts } from '../../src/providers/shared/upstream-parts.js';
import { usageFromBuckets } from '../../src/providers/shared/usage-buckets.js';
import { defaultUpstreamLimits } from '../../src/providers/shared/upstream-limits.js';
import type { ChatInput } from '../../src/usage/estimate-tokens.js';
import { observeStream } from '../../src/usage/observe-stream.js';
import { o200kCounter } from '../../src/usage/tokenizer/count-tokens.js';
import { ended, recordingAttempt } from '../helpers/recording-attempt.js';

const usage = { inputTokens: 5, outputTokens: 2, totalTokens: 7 };
const start: StreamPart = { type: 'stream-start', id: 'chatcmpl-1', model: 'm-1', created: 1 };
const providerError = new ProviderError('provider_error', 'overloaded', { provider: 'p', status: 529 });

/** Each scenario: the parts, then how the stream stops after them ('end', 'reject', or 'cut' after `take` parts). */
const scenarios: { name: string; parts: StreamPart[]; stop: 'end' | 'reject' | 'cut'; take?: number }[] = [
  {
    name: 'complete, with usage',
    parts: [start, { type: 'text-delta', text: 'Hello' }, { type: 'text-delta', text: ' world' }, { type: 'finish', finishReason: 'stop', usage }],
    stop: 'end',
  },
  { name: 'an error part after text', parts: [start, { type: 'text-delta', text: 'Hel' }, { type: 'error', error: providerError }], stop: 'end' },
  { name: 'a read that fails', parts: [start, { type: 'tool-call-delta', toolCallIndex: 0, name: 'f', argumentsDelta: '{"a"' }], stop: 'reject' },
  { name: 'cut by the client', parts: [start, { type: 'text-delta', text: 'Hi' }, { type: 'text-delta', text: ' there' }], stop: 'cut', take: 2 },
];

/**
 * The scenario's parts from an UpstreamParts: one body chunk per part (the decoder hands out the
 * next part); `reported`: the usage its decoder says the vendor reported so far.
 */
function upstreamParts(scenario: (typeof scenarios)[number], reported?: Usage): UpstreamParts {
  const chunks = async function* (): AsyncGenerator<Uint8Array> {
    for (let index = 0; index < scenario.parts.length; index++) yield Uint8Array.of(index);
    if (scenario.stop === 'reject') throw new Error('socket hang up');
  };
  return new UpstreamParts({
    open: async () => ({ status: 200, headers: {}, limits: defaultUpstreamLimits, chunks: chunks(), text: async () => undefined, release: () => {}, discard: () => {} }),
    decoder: () => ({
      chunk: (bytes, out) => {
        out.push(scenario.parts[bytes[0] as number] as StreamPart);
        return false;
      },
      end: () => {},
      reported: () => reported,
    }),
    failure: (error) => {
      throw error;
    },
  });
}

/** The same parts from a plain async generator (a provider class of one's own). */
async function* generatorParts(scenario: (typeof scenarios)[number]): AsyncGenerator<StreamPart> {
  for (const part of scenario.parts) {
    await new Promise((resolve) => setImmediate(resolve));
    yield part;
  }
  if (scenario.stop === 'reject') throw new Error('socket hang up');
}

async function consume(iterator: AsyncIterator<StreamPart>, scenario: (typeof scenarios)[number]): Promise<string[]> {
  const seen: string[] = [];
  try {
    for (;;) {
      if (scenario.stop === 'cut' && seen.length === scenario.take) {
        await iterator.return?.();
        return seen;
      }
      const next = await iterator.next();
      if (next.done) return seen;
      seen.push(next.value.type);
    }
  } catch (error) {
    seen.push(`rejected: ${(error as Error).message}`);
    return seen;
  }
}

async function observed(inner: AsyncIterator<StreamPart>, scenario: (typeof scenarios)[number]) {
  const { attempt, outcomes } = recordingAttempt('chat');
  const iterator = observeStream(inner, attempt, { messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }] });
  const seen = await consume(iterator, scenario);
  const { outcome, summary } = ended(attempt, outcomes);
  const estimate = outcome.estimate ? await outcome.estimate() : undefined;
  return { seen, ...summary, estimatedOutput: estimate?.output, responseModel: attempt.responseModel };
}

describe('observeStream: the tap and the wrapper end the attempt alike', () => {
  for (const scenario of scenarios) {
    test(scenario.name, async () => {
      const tapped = upstreamParts(scenario);
      const viaTap = await observed(tapped, scenario);
      const viaWrapper = await observed(generatorParts(scenario), scenario);
      assert.deepEqual(viaTap, viaWrapper);
      assert.equal(viaTap.responseModel, 'm-1');
      assert.equal(viaTap.firstToken, true);
      assert.equal(viaTap.waited, true);
    });
  }

  test('what each scenario records', async () => {
    const outcomes = await Promise.all(scenarios.map((scenario) => observed(upstreamParts(scenario), scenario)));
    assert.deepEqual(
      outcomes.map(({ status, errorCode, incomplete, usage: reported, estimatedOutput }) => ({ status, errorCode, incomplete, usage: reported, estimated: estimatedOutput !== undefined && estimatedOutput > 0 })),
      [
        { status: 200, errorCode: null, incomplete: false, usage, estimated: true },
        { status: 529, errorCode: 'provider_error', incomplete: true, usage: undefined, estimated: true },
        // Text went out before the read failed: the vendor generated and bills it (was recorded without usage).
        { status: 500, errorCode: 'internal_error', incomplete: true, usage: undefined, estimated: true },
        { status: 499, errorCode: null, incomplete: true, usage: undefined, estimated: true },
      ],
    );
  });
});

test("a cut stream's estimate counts the request's tool definitions and JSON schema as input", async () => {
  const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }];
  const parameters = { type: 'object', properties: { name: { type: 'string', description: 'Who to greet, by first name' } } };
  const tools = [{ name: 'greet', description: 'Greets someone by name, politely, in the language of the conversation.', parameters }];
  const schema = { type: 'object', properties: { greeting: { type: 'string' } } };
  const cut = scenarios[3] as (typeof scenarios)[number];
  const estimatedInput = async (request: ChatInput): Promise<number> => {
    const { attempt, outcomes } = recordingAttempt('chat');
    await consume(observeStream(upstreamParts(cut), attempt, request), cut);
    const estimate = await ended(attempt, outcomes).outcome.estimate?.();
    return estimate?.input ?? 0;
  };
  const count = await o200kCounter();
  const bare = await estimatedInput({ messages });
  const full = await estimatedInput({ messages, tools, responseFormat: { type: 'json_schema', name: 'g', schema } });
  assert.equal(bare, 3 + 3 + count(['Say hello']));
  assert.equal(full, 3 + 3 + count(['Say hello', 'greet', tools[0]?.description ?? '', JSON.stringify(parameters), JSON.stringify(schema)]));
});

test("an error part the vendor billed ends the attempt with the vendor's usage, through the tap and the wrapper", async () => {
  const billed = usageFromBuckets({ input: 3, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 1, reasoning: 0 }, { billed_units: { input_tokens: 3, output_tokens: 1 } });
  const error = new BilledProviderError('provider_error', 'ended the stream with ERROR', { provider: 'cohere', upstreamCode: 'ERROR', isRetryable: true, usage: billed });
  const scenario = { name: 'a billed error part', parts: [start, { type: 'text-delta', text: 'Hel' }, { type: 'error', error }] as StreamPart[], stop: 'end' as const };
  for (const inner of [upstreamParts(scenario), generatorParts(scenario)]) {
    const outcome = await observed(inner, scenario);
    assert.deepEqual([outcome.status, outcome.errorCode, outcome.incomplete, outcome.usage], [502, 'provider_error', true, billed]);
  }
});

test('a stream that fails or is cut before its final usage starts from what the vendor reported (message_start), through the tap', async () => {
  // Input and cache counts reported up front, one output token so far; the rest is the text seen.
  const early = usageFromBuckets({ input: 40, cachedInput: 900, cacheWrite5m: 12, cacheWrite1h: 0, output: 1, reasoning: 0 }, { input_tokens: 40 });
  const text = ' a fairly long answer, longer than one token';
  const count = await o200kCounter();
  for (const stop of ['reject', 'cut', 'end'] as const) {
    const parts: StreamPart[] = [start, { type: 'text-delta', text }];
    if (stop === 'end') parts.push({ type: 'error', error: providerError });
    const scenario = { name: stop, parts, stop, take: 2 };
    const { attempt, outcomes } = recordingAttempt('chat');
    await consume(observeStream(upstreamParts(scenario, early), attempt, { messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }] }), scenario);
    const estimate = await ended(attempt, outcomes).outcome.estimate?.();
    assert.deepEqual(estimate, { input: 40, cachedInput: 900, cacheWrite5m: 12, cacheWrite1h: 0, output: count([text]), reasoning: 0 }, stop);
  }
});
