import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gcThreadsNotice, singleThreadedGc } from './gc-threads.js';

describe('single-threaded GC flag at start', () => {
  test('recognized in the spellings V8 accepts', () => {
    for (const flag of ['--single-threaded-gc', '--single_threaded_gc']) assert.equal(singleThreadedGc(['--no-memory-reducer', flag]), true, flag);
    for (const other of [[], ['--single-threaded'], ['--no-single-threaded-gc'], ['--single-threaded-gc-in-background']]) {
      assert.equal(singleThreadedGc(other), false, other.join(' '));
    }
  });

  test('a notice naming the flag on one CPU without it; none on several CPUs or with it', () => {
    assert.match(gcThreadsNotice(['--no-memory-reducer'], 1) ?? '', /start node with --single-threaded-gc/);
    assert.equal(gcThreadsNotice([], 2), undefined);
    assert.equal(gcThreadsNotice(['--single-threaded-gc'], 1), undefined);
  });
});
