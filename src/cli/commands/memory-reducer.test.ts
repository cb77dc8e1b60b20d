import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { memoryReducerNotice, memoryReducerOff } from './memory-reducer.js';

describe('memory reducer flag at start', () => {
  test('recognized in the spellings V8 accepts', () => {
    for (const flag of ['--no-memory-reducer', '--no_memory_reducer', '--nomemory-reducer']) assert.equal(memoryReducerOff(['--enable-source-maps', flag]), true, flag);
    for (const other of [[], ['--memory-reducer'], ['--no-memory-reducer-for-mobile'], ['--no-memory']]) assert.equal(memoryReducerOff(other), false, other.join(' '));
  });

  test('a notice naming the flag when it is missing, none when it is set', () => {
    assert.match(memoryReducerNotice([]) ?? '', /start node with --no-memory-reducer/);
    assert.equal(memoryReducerNotice(['--no-memory-reducer']), undefined);
  });
});
