// The ledger watches a built-in provider's stream from inside (UpstreamParts' tap) and any other
// stream through a wrapping iterator. Both must end the attempt alike: the same outcome, model,
// first token and estimate, whether the stream completes, carries an error part, fails or is cut.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProviderError } from '../../src/errors.js';
import type { StreamPart } from '../../src/providers/spec/index.js';
import { UpstreamParts } from '../../src/providers/shared/upstream-parts.js';
import { defaultUpstreamLimits } from '../../src/providers/shared/upstream-limits.js';
import { observeStream } from '../../src/usage/observe-stream.js';
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

/** The scenario's parts from an UpstreamParts: one body chunk per part (the decoder hands out the next part). */
function upstreamParts(scenario: (typeof scenarios)[number]): UpstreamParts {
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
  const iterator = observeStream(inner, attempt, [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }]);
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
        { status: 500, errorCode: 'internal_error', incomplete: true, usage: undefined, estimated: false },
        { status: 499, errorCode: null, incomplete: true, usage: undefined, estimated: true },
      ],
    );
  });
});
