import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatResponse } from '../providers/spec/index.js';
import { unsentStops } from '../providers/shared/vendor-stops.js';
import { cutChatResponse, firstStop, StopCutter } from './stop-cutter.js';

/** Pushes `deltas` through a cutter: what the client gets, delta by delta, and whether it was cut. */
function run(stops: string[], deltas: string[]): { out: string[]; cut: boolean } {
  const cutter = new StopCutter(stops);
  const out: string[] = [];
  for (const delta of deltas) {
    const { text, cut } = cutter.push(delta);
    out.push(text);
    if (cut) return { out, cut: true };
  }
  out.push(cutter.flush());
  return { out, cut: false };
}

describe('StopCutter', () => {
  test('cuts at the first stop, which is not sent, in one delta or across several', () => {
    assert.deepEqual(run(['\n'], ['ab\ncd']), { out: ['ab'], cut: true });
    assert.deepEqual(run(['\n\n'], ['ab\n', '\ncd']), { out: ['ab', ''], cut: true });
    assert.deepEqual(run(['END'], ['xE', 'N', 'Dy']), { out: ['x', '', ''], cut: true });
    // The earliest of several stops wins.
    assert.deepEqual(run(['cd', '\n'], ['ab\ncd']), { out: ['ab'], cut: true });
  });

  test('holds back only an end that could begin a stop, at most the longest stop less one character', () => {
    assert.deepEqual(run(['\n\n'], ['ab\n', 'c', '\n']), { out: ['ab', '\nc', '', '\n'], cut: false });
    assert.deepEqual(run(['END'], ['no match here']), { out: ['no match here', ''], cut: false });
    assert.deepEqual(run(['ENDS'], ['xEND']), { out: ['x', 'END'], cut: false });
  });

  test('empty stops are ignored', () => {
    assert.deepEqual(run(['', '\n'], ['a', 'b\n']), { out: ['a', 'b'], cut: true });
    assert.equal(firstStop('abc', []), -1);
  });
});

describe('cutChatResponse', () => {
  const response: ChatResponse = {
    id: 'r',
    model: 'm',
    created: 0,
    usage: { inputTokens: 1, outputTokens: 5, totalTokens: 6 },
    choices: [
      { index: 0, content: 'one\n\ntwo', toolCalls: [{ id: 't', name: 'f', arguments: '{}' }], finishReason: 'tool_calls' },
      { index: 1, content: 'no stop', toolCalls: [], finishReason: 'length' },
    ],
  };

  test('cuts each choice at its first stop (finish stop, nothing after it); a choice without one is unchanged', () => {
    const cut = cutChatResponse(response, ['\n\n']);
    assert.deepEqual(cut.choices[0], { index: 0, content: 'one', toolCalls: [], finishReason: 'stop' });
    assert.equal(cut.choices[1], response.choices[1]);
    assert.equal(cut.usage, response.usage, 'the usage the vendor billed');
    assert.equal(cutChatResponse(response, ['zzz']), response);
  });
});

describe('unsentStops', () => {
  test('names the stops a vendor does not take: refused ones, and those past its limit', () => {
    const anthropic = { max: Number.POSITIVE_INFINITY, takes: (stop: string) => stop.trim() !== '' };
    assert.deepEqual(unsentStops(['\n', 'END', '  '], anthropic), ['\n', '  ']);
    assert.equal(unsentStops(['END'], anthropic), undefined);
    assert.deepEqual(unsentStops(['1', '2', '3', '4', '5', '6'], { max: 5 }), ['6']);
    assert.equal(unsentStops(['1', '2'], { max: 5 }), undefined);
  });
});
