import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
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

  test('the command names the bin from the working directory: a clone or a project that installed the package', () => {
    const clone = fileURLToPath(new URL('../../..', import.meta.url));
    assert.match(memoryReducerNotice([], clone) ?? '', / node --no-memory-reducer bin\/switchboard\.js serve /);
    const project = path.join(clone, 'node_modules', '..', '..', 'app');
    assert.match(memoryReducerNotice([], project) ?? '', new RegExp(` node --no-memory-reducer \\.\\./${path.basename(clone)}/bin/switchboard\\.js serve `));
  });
});
