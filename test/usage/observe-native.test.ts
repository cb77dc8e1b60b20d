// A native stream (the vendor's own API passed through) from a built-in provider is an
// UpstreamParts of events, watched by the ledger from inside (its tap); any other native stream is
// wrapped. Both must end the attempt alike, whether the stream completes, fails or is cut.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nativeStreamAnswer, type UsageObserver } from '../../src/providers/shared/native-stream.js';
import { defaultUpstreamLimits } from '../../src/providers/shared/upstream-limits.js';
import type { NativeEvent, NativeStreamAnswer, Usage } from '../../src/providers/spec/index.js';
import { observeNative } from '../../src/usage/observe-native.js';
import { ended, recordingAttempt } from '../helpers/recording-attempt.js';

const events: NativeEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","message":{"usage":{"input_tokens":5}}}' },
  { event: 'content_block_delta', data: '{"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"}}' },
  { event: 'content_block_delta', data: '{"type":"content_block_delta","delta":{"type":"text_delta","text":" there"}}' },
  { event: 'message_delta', data: '{"type":"message_delta","usage":{"output_tokens":2}}' },
  { event: 'message_stop', data: '{"type":"message_stop"}' },
];
const frame = (event: NativeEvent): string => `event: ${event.event}\ndata: ${event.data}\n\n`;

/** How each scenario stops: after every event ('end'), with a failed read after 3 ('reject'), or cut by the client after 3 ('cut'). */
const scenarios = [
  { name: 'complete', stop: 'end' as const },
  { name: 'a read that fails', stop: 'reject' as const },
  { name: 'cut by the client', stop: 'cut' as const },
];
type Scenario = (typeof scenarios)[number];
const sent = (scenario: Scenario): NativeEvent[] => (scenario.stop === 'end' ? events : events.slice(0, 3));

/** Counts the tokens the events report (as the vendors' observers do); message_delta is the final report. */
function countingObserver(): UsageObserver {
  let inputTokens = 0;
  let outputTokens = 0;
  let complete = false;
  return {
    observe(event) {
      const input = /"input_tokens":(\d+)/.exec(event.data);
      const output = /"output_tokens":(\d+)/.exec(event.data);
      if (input) inputTokens = Number(input[1]);
      if (output) outputTokens = Number(output[1]);
      if (event.event === 'message_delta') complete = true;
    },
    usage: (): Usage => ({
      inputTokens,
      outputTokens,
      totalTokens: inputTokens + outputTokens,
      buckets: { input: inputTokens, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: outputTokens, reasoning: 0 },
    }),
    complete: () => complete,
  };
}

/** The request body the estimates read when the vendor's usage is missing. */
const body = { model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'Hello there' }] };

/** The built-in way: the SSE body, two events per read, through nativeStreamAnswer. */
function builtIn(scenario: Scenario): { answer: NativeStreamAnswer; closed: string[] } {
  const closed: string[] = [];
  const frames = sent(scenario).map(frame);
  const chunks = async function* (): AsyncGenerator<Uint8Array> {
    for (let index = 0; index < frames.length; index += 2) {
      await new Promise((resolve) => setImmediate(resolve));
      yield Buffer.from(frames.slice(index, index + 2).join(''));
    }
    if (scenario.stop === 'reject') throw new Error('socket hang up');
  };
  const stream = {
    status: 200,
    headers: {},
    limits: defaultUpstreamLimits,
    chunks: chunks(),
    text: async () => undefined,
    release: () => void closed.push('release'),
    discard: () => void closed.push('discard'),
  };
  return { answer: nativeStreamAnswer('anthropic', stream, countingObserver(), []), closed };
}

/** Another provider class's native stream: a plain async generator. */
function wrapped(scenario: Scenario): NativeStreamAnswer {
  const observer = countingObserver();
  async function* generate(): AsyncGenerator<NativeEvent> {
    for (const event of sent(scenario)) {
      await new Promise((resolve) => setImmediate(resolve));
      observer.observe(event);
      yield event;
    }
    if (scenario.stop === 'reject') throw new Error('socket hang up');
  }
  return { type: 'stream', status: 200, events: generate(), usage: () => observer.usage(), usageComplete: () => observer.complete() };
}

async function observed(answer: NativeStreamAnswer, scenario: Scenario) {
  const { attempt, outcomes } = recordingAttempt('messages');
  const watched = observeNative(answer, attempt, body);
  assert.equal(watched.type, 'stream');
  const tapped = (watched as NativeStreamAnswer).events === answer.events;
  const iterator = (watched as NativeStreamAnswer).events[Symbol.asyncIterator]();
  const seen: string[] = [];
  try {
    for (;;) {
      if (scenario.stop === 'cut' && seen.length === 3) {
        await iterator.return?.();
        break;
      }
      const next = await iterator.next();
      if (next.done) break;
      seen.push(next.value.data);
    }
  } catch (error) {
    seen.push(`rejected: ${(error as Error).message}`);
  }
  const { outcome, summary } = ended(attempt, outcomes);
  return { seen, ...summary, tapped, estimate: await outcome.estimate?.() };
}

describe('observeNative: the tap and the wrapper end the attempt alike', () => {
  for (const scenario of scenarios) {
    test(scenario.name, async () => {
      const { answer, closed } = builtIn(scenario);
      const viaTap = await observed(answer, scenario);
      const viaWrapper = await observed(wrapped(scenario), scenario);
      assert.deepEqual({ ...viaTap, tapped: undefined }, { ...viaWrapper, tapped: undefined });
      assert.equal(viaTap.tapped, true, "the built-in stream is watched through its tap, not wrapped");
      assert.equal(viaWrapper.tapped, false);
      assert.equal(viaTap.firstToken, true);
      assert.equal(viaTap.waited, true);
      assert.deepEqual(closed, [scenario.stop === 'end' ? 'release' : 'discard']);
    });
  }

  test('what each scenario records', async () => {
    const outcomes = await Promise.all(scenarios.map((scenario) => observed(builtIn(scenario).answer, scenario)));
    assert.deepEqual(
      outcomes.map(({ seen, status, errorCode, incomplete, usage }) => ({ events: seen.length, status, errorCode, incomplete, usage: usage?.totalTokens })),
      [
        { events: 5, status: 200, errorCode: null, incomplete: false, usage: 7 },
        { events: 4, status: 500, errorCode: 'internal_error', incomplete: true, usage: undefined },
        // Cut before the final report (message_delta): the ledger estimates instead of charging the input only.
        { events: 3, status: 499, errorCode: null, incomplete: true, usage: undefined },
      ],
    );
    // The cut stream: the input message_start reported, the output of the text delivered ("Hi there": 2 tokens).
    assert.deepEqual(outcomes[2]?.estimate, { input: 5, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 2, reasoning: 0 });
  });

  test('a body that ends cleanly before the final event was cut off: the client is told, the ledger estimates', async () => {
    const short = { name: 'ended early', stop: 'short' as const };
    const frames = events.slice(0, 3).map(frame).join('');
    const stream = {
      status: 200,
      headers: {},
      limits: defaultUpstreamLimits,
      chunks: (async function* () {
        yield Buffer.from(frames);
      })(),
      text: async () => undefined,
      release: () => undefined,
      discard: () => undefined,
    };
    const viaTap = await observed(nativeStreamAnswer('anthropic', stream, countingObserver(), []), short as unknown as Scenario);
    assert.equal(viaTap.seen.length, 4);
    assert.match(viaTap.seen[3] ?? '', /^rejected: Provider 'anthropic' ended the stream before its final event$/);
    assert.deepEqual([viaTap.status, viaTap.errorCode, viaTap.incomplete, viaTap.usage], [502, 'provider_error', true, undefined]);
    assert.deepEqual(viaTap.estimate, { input: 5, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 2, reasoning: 0 });
    // A provider class of one's own whose stream just stops: recorded alike (the client saw what it was sent).
    const viaWrapper = await observed(wrapped({ name: 'cut upstream', stop: 'short' } as unknown as Scenario), short as unknown as Scenario);
    assert.deepEqual([viaWrapper.status, viaWrapper.errorCode, viaWrapper.incomplete, viaWrapper.usage], [502, 'provider_error', true, undefined]);
    assert.deepEqual(viaWrapper.estimate, viaTap.estimate);
  });
});
