import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { batchedLogLines, visibleControls } from './log-lines.js';

function capture(): { stream: PassThrough; writes: string[] } {
  const stream = new PassThrough();
  const writes: string[] = [];
  stream.on('data', (chunk: Buffer) => writes.push(chunk.toString('utf8')));
  return { stream, writes };
}

test('lines written in one turn of the event loop reach the stream as one write, in order', async () => {
  const { stream, writes } = capture();
  const lines = batchedLogLines(stream);
  lines.write({ n: 1 });
  lines.write({ n: 2, msg: 'a "quoted" value' });
  assert.deepEqual(writes, []);
  await tick();
  await tick();
  assert.deepEqual(writes, ['{"n":1}\n{"n":2,"msg":"a \\"quoted\\" value"}\n']);
});

test('flush writes at once, and 64 KB of waiting lines are written without waiting for the turn', async () => {
  const { stream, writes } = capture();
  const lines = batchedLogLines(stream);
  lines.write({ n: 1 });
  lines.flush();
  await tick();
  assert.deepEqual(writes, ['{"n":1}\n']);
  const big = 'x'.repeat(1000);
  for (let i = 0; i < 70; i++) lines.write({ big });
  await Promise.resolve();
  await tick();
  const text = writes.slice(1).join('');
  assert.equal(text.split('\n').length - 1, 70);
  assert.ok(writes.length >= 3, `the 64 KB threshold wrote before the turn ended (${writes.length} writes)`);
});

test('terminal controls in a line are written as visible \\uXXXX text; tab, newline, quotes and typed backslashes stay', () => {
  const value = { msg: 'a\u001bb\bc\fd\re\u009bf\u202eg\u007fh\ti\nj"k\\u001bl\\', ok: 'plain ascii, café' };
  const line = JSON.parse(visibleControls(JSON.stringify(value))) as typeof value;
  assert.equal(line.msg, 'a\\u001bb\\u0008c\\u000cd\\u000de\\u009bf\\u202eg\\u007fh\ti\nj"k\\u001bl\\');
  assert.equal(line.ok, value.ok);
  // Unicode's line and paragraph separators and the bidi marks RLM, ALM and LRM (JSON leaves them raw too).
  const marks = JSON.parse(visibleControls(JSON.stringify({ msg: 'a\u2028b\u2029c\u200fd\u061ce\u200ef' }))) as { msg: string };
  assert.equal(marks.msg, 'a\\u2028b\\u2029c\\u200fd\\u061ce\\u200ef');
  const clean = JSON.stringify({ msg: 'nothing to do', n: 1 });
  assert.equal(visibleControls(clean), clean);
});
