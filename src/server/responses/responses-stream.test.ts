import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatChoice, FinishReason, StreamPart } from '../../providers/spec/index.js';
import { encodeResponse } from './encode-response.js';
import type { ResponseEcho } from './parse-responses-request.js';
import { ResponsesEventEncoder } from './responses-stream.js';

const echo: ResponseEcho = {
  model: 'm',
  instructions: null,
  tools: [],
  toolChoice: 'auto',
  parallelToolCalls: true,
  metadata: {},
  temperature: null,
  topP: null,
  maxOutputTokens: null,
  text: { format: { type: 'text' } },
  reasoning: null,
  user: undefined,
};
const usage = { inputTokens: 1, outputTokens: 2, totalTokens: 3 };

interface Item {
  type: string;
  status: string;
  arguments?: string;
  content?: { text?: string }[];
}

interface Event {
  type: string;
  item?: Item;
  response?: { status: string; output: Item[] };
}

/** The events for `parts` followed by a finish with `finishReason`, or by a failure. */
function events(parts: StreamPart[], end: FinishReason | 'fail'): Event[] {
  const encoder = new ResponsesEventEncoder(echo, 'anthropic');
  let frames = encoder.encode({ type: 'stream-start', id: 'x', model: 'm', created: 1 });
  for (const part of parts) frames += encoder.encode(part);
  frames += end === 'fail' ? encoder.fail({ code: 'provider_error', message: 'gone', param: null }) : encoder.encode({ type: 'finish', finishReason: end, usage });
  return frames
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => JSON.parse(frame.split('\n')[1]?.slice('data: '.length) ?? '') as Event);
}

const statuses = (list: Event[]): { done: string[]; final: string[] } => ({
  done: list.filter((event) => event.type === 'response.output_item.done').map((event) => `${event.item?.type}:${event.item?.status}`),
  final: (list.at(-1)?.response?.output ?? []).map((item) => `${item.type}:${item.status}`),
});

describe('ResponsesEventEncoder item statuses', () => {
  const thinking: StreamPart = { type: 'reasoning-delta', index: 0, text: 'hmm' };
  const text: StreamPart = { type: 'text-delta', text: 'Echo: one' };
  const call: StreamPart = { type: 'tool-call-delta', toolCallIndex: 0, id: 'c1', name: 'lookup', argumentsDelta: '{"q":' };

  it('items still open at a cut are incomplete; those closed before it are completed', () => {
    const cut = events([thinking, text], 'length');
    assert.equal(cut.at(-1)?.type, 'response.incomplete');
    assert.deepEqual(statuses(cut), { done: ['reasoning:completed', 'message:incomplete'], final: ['reasoning:completed', 'message:incomplete'] });
    assert.deepEqual(statuses(events([thinking], 'length')).final, ['reasoning:incomplete']);
    assert.deepEqual(statuses(events([text, call], 'content_filter')), { done: ['message:completed', 'function_call:incomplete'], final: ['message:completed', 'function_call:incomplete'] });
  });

  it('a completed answer marks every item completed', () => {
    assert.deepEqual(statuses(events([thinking, text], 'stop')).final, ['reasoning:completed', 'message:completed']);
    assert.deepEqual(statuses(events([call, { ...call, id: undefined, name: undefined, argumentsDelta: '1}' }], 'tool_calls')).final, ['function_call:completed']);
  });
});

describe('ResponsesEventEncoder after a vendor failure mid-stream', () => {
  const text: StreamPart = { type: 'text-delta', text: 'Echo: one' };
  const call: StreamPart = { type: 'tool-call-delta', toolCallIndex: 0, id: 'c1', name: 'lookup', argumentsDelta: '{"q":' };

  it('response.failed holds the items open at the failure as incomplete, with what they had', () => {
    const failed = events([text, call], 'fail');
    assert.deepEqual(failed.slice(-2).map((event) => event.type), ['error', 'response.failed']);
    assert.equal(failed.at(-1)?.response?.status, 'failed');
    assert.deepEqual(statuses(failed), { done: ['message:completed'], final: ['message:completed', 'function_call:incomplete'] });
    assert.equal(failed.at(-1)?.response?.output[1]?.arguments, '{"q":');
    const cutText = events([{ type: 'reasoning-delta', index: 0, text: 'hmm' }, text], 'fail');
    assert.deepEqual(statuses(cutText).final, ['reasoning:completed', 'message:incomplete']);
    assert.equal(cutText.at(-1)?.response?.output[1]?.content?.[0]?.text, 'Echo: one');
    assert.ok(!JSON.stringify(failed.at(-1)).includes('in_progress'), 'no item left in_progress');
  });
});

describe('the complete answer marks the same items incomplete as the stream', () => {
  const reasoning = [{ text: 'hmm' }];
  const calls = [{ id: 'c1', name: 'lookup', arguments: '{"q":' }];
  // A cut answer's call holds what came; a completed one's is whole (cut arguments fail it: below).
  const whole = (finishReason: FinishReason, choice: Omit<ChatChoice, 'index' | 'finishReason'>): Omit<ChatChoice, 'index' | 'finishReason'> =>
    finishReason === 'length' || finishReason === 'content_filter' ? choice : { ...choice, toolCalls: choice.toolCalls.map((call) => ({ ...call, arguments: '{"q":1}' })) };
  const wholeParts = (finishReason: FinishReason, parts: StreamPart[]): StreamPart[] =>
    finishReason === 'length' || finishReason === 'content_filter' ? parts : parts.map((part) => (part.type === 'tool-call-delta' ? { ...part, argumentsDelta: '{"q":1}' } : part));
  const cases: { name: string; choice: Omit<ChatChoice, 'index' | 'finishReason'>; parts: StreamPart[] }[] = [
    { name: 'text', choice: { content: 'Echo: one', toolCalls: [] }, parts: [{ type: 'text-delta', text: 'Echo: one' }] },
    {
      name: 'reasoning and text',
      choice: { content: 'Echo: one', toolCalls: [], reasoning },
      parts: [{ type: 'reasoning-delta', index: 0, text: 'hmm' }, { type: 'text-delta', text: 'Echo: one' }],
    },
    { name: 'reasoning only', choice: { content: null, toolCalls: [], reasoning }, parts: [{ type: 'reasoning-delta', index: 0, text: 'hmm' }] },
    { name: 'a call', choice: { content: null, toolCalls: calls }, parts: [{ type: 'tool-call-delta', toolCallIndex: 0, id: 'c1', name: 'lookup', argumentsDelta: '{"q":' }] },
    {
      name: 'text then a call',
      choice: { content: 'Echo: one', toolCalls: calls },
      parts: [{ type: 'text-delta', text: 'Echo: one' }, { type: 'tool-call-delta', toolCallIndex: 0, id: 'c1', name: 'lookup', argumentsDelta: '{"q":' }],
    },
  ];
  for (const finishReason of ['length', 'content_filter', 'stop', 'tool_calls'] as const) {
    for (const { name, choice, parts } of cases) {
      // A completed answer without text still gets its (empty) message item; the stream opens none.
      if (name === 'reasoning only' && (finishReason === 'stop' || finishReason === 'tool_calls')) continue;
      it(`${name}, finish ${finishReason}`, () => {
        const answer = { id: 'x', model: 'm', created: 1, choices: [{ index: 0, finishReason, ...whole(finishReason, choice) }], usage };
        const complete = encodeResponse(answer, echo) as { status: string; output: Item[] };
        const streamed = events(wholeParts(finishReason, parts), finishReason).at(-1)?.response;
        assert.equal(complete.status, streamed?.status);
        assert.deepEqual(
          complete.output.map((item) => `${item.type}:${item.status}`),
          statuses(events(wholeParts(finishReason, parts), finishReason)).final,
        );
      });
    }
  }
  it('a cut call is incomplete in the complete answer', () => {
    const answer = { id: 'x', model: 'm', created: 1, choices: [{ index: 0, finishReason: 'length' as const, content: 'Echo', toolCalls: calls }], usage };
    const complete = encodeResponse(answer, echo) as { status: string; output: Item[] };
    assert.deepEqual(complete.output.map((item) => `${item.type}:${item.status}`), ['message:completed', 'function_call:incomplete']);
  });
});

describe('a turn that stopped to call tools with arguments cut off or not one JSON object', () => {
  const cut = '{"paths":["/tmp/build","/"';
  const part = (toolCallIndex: number, argumentsDelta: string): StreamPart => ({ type: 'tool-call-delta', toolCallIndex, id: `c${toolCallIndex}`, name: 'remove', argumentsDelta });
  const broken = /Provider 'p' ended a function_call turn with the arguments of its call of 'remove' cut off or not a complete JSON object/;

  it("is the provider's error, streamed (before any frame of the end) or whole", () => {
    for (const finishReason of ['tool_calls', 'stop'] as const) {
      for (const args of [cut, '[1]', '{}{}']) {
        const encoder = new ResponsesEventEncoder(echo, undefined, false, 'p');
        encoder.encode({ type: 'stream-start', id: 'x', model: 'm', created: 1 });
        encoder.encode(part(0, args));
        assert.throws(() => encoder.encode({ type: 'finish', finishReason, usage }), broken, `${finishReason} ${args}`);
        const frames = encoder.fail({ code: 'provider_error', message: 'broken', param: null });
        assert.doesNotMatch(frames, /function_call_arguments\.done|response\.completed/);
        assert.match(frames, /event: response\.failed/);
        const answer = { id: 'x', model: 'm', created: 1, choices: [{ index: 0, finishReason, content: null, toolCalls: [{ id: 'c0', name: 'remove', arguments: args }] }], usage };
        assert.throws(() => encodeResponse(answer, echo, 'p'), broken);
      }
    }
  });

  it('counts a call the model moved on from, and keeps the partial call of an answer cut short', () => {
    const encoder = new ResponsesEventEncoder(echo, undefined, false, 'p');
    encoder.encode({ type: 'stream-start', id: 'x', model: 'm', created: 1 });
    encoder.encode(part(0, cut));
    encoder.encode({ type: 'text-delta', text: 'done' });
    assert.throws(() => encoder.encode({ type: 'finish', finishReason: 'stop', usage }), broken);
    for (const finishReason of ['length', 'content_filter'] as const) {
      const final = events([part(0, cut)], finishReason).at(-1);
      assert.equal(final?.type, 'response.incomplete');
      assert.equal(final?.response?.output[0]?.arguments, cut);
    }
  });
});

describe('ResponsesEventEncoder: a call whose name comes after its id', () => {
  const added = (list: Event[]): string[] =>
    list.filter((event) => event.type === 'response.output_item.added').map((event) => `${(event as { output_index?: number }).output_index}:${(event.item as { name?: string }).name}`);

  it('announces it once named, and before any later item, so output_index stays in order', () => {
    const list = events(
      [
        { type: 'tool-call-delta', toolCallIndex: 0, id: 'c1', argumentsDelta: '' },
        { type: 'tool-call-delta', toolCallIndex: 1, id: 'c2', name: 'b', argumentsDelta: '{}' },
        { type: 'tool-call-delta', toolCallIndex: 0, name: 'a', argumentsDelta: '{}' },
      ],
      'tool_calls',
    );
    assert.deepEqual(added(list), ['0:', '1:b'], 'call 0 is announced, nameless, before call 1');
    const final = (list.at(-1)?.response?.output ?? []) as { name?: string }[];
    assert.deepEqual(final.map((item) => item.name), ['a', 'b'], 'the name is in the final response');
  });
});
