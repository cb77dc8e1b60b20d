import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FinishReason, StreamPart } from '../../providers/spec/index.js';
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

interface Event {
  type: string;
  item?: { type: string; status: string };
  response?: { status: string; output: { type: string; status: string }[] };
}

/** The events for `parts` followed by a finish with `finishReason`. */
function events(parts: StreamPart[], finishReason: FinishReason): Event[] {
  const encoder = new ResponsesEventEncoder(echo, 'anthropic');
  let frames = encoder.encode({ type: 'stream-start', id: 'x', model: 'm', created: 1 });
  for (const part of parts) frames += encoder.encode(part);
  frames += encoder.encode({ type: 'finish', finishReason, usage });
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
    assert.deepEqual(statuses(events([call], 'tool_calls')).final, ['function_call:completed']);
  });
});
