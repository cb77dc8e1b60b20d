import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortShort } from './select-targets.js';

test('sortShort orders like a stable sort, short and long', () => {
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const length of [0, 1, 2, 3, 5, 16, 17, 40]) {
    for (let round = 0; round < 20; round++) {
      // Few distinct keys, so stability shows: equal keys keep their order (the index).
      const items = Array.from({ length }, (_, index) => ({ key: Math.floor(random() * 4), index }));
      const expected = [...items].sort((a, b) => a.key - b.key);
      sortShort(items, (a, b) => a.key - b.key);
      assert.deepEqual(items, expected, `length ${length}`);
    }
  }
});
