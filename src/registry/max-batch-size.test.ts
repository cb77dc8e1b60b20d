import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxBatchSize } from './max-batch-size.js';

describe('maxBatchSize', () => {
  test("a row's positive integer overrides its class's limit, for any class", () => {
    assert.deepEqual(maxBatchSize({ max_batch_size: 32 }, undefined, 'CustomProvider'), { size: 32, problem: undefined });
    assert.deepEqual(maxBatchSize({ max_batch_size: 500 }, 96, 'CohereProvider'), { size: 500, problem: undefined });
    assert.deepEqual(maxBatchSize({}, 96, 'CohereProvider'), { size: 96, problem: undefined });
    assert.deepEqual(maxBatchSize({ max_batch_size: null }, 100, 'GoogleProvider'), { size: 100, problem: undefined });
    assert.deepEqual(maxBatchSize({}, undefined, 'CustomProvider'), { size: undefined, problem: undefined });
  });

  test('any other value is ignored and named: the class limit applies, else calls go whole', () => {
    for (const bad of [0, -1, 1.5, '32', true, [32], { size: 32 }, Number.MAX_SAFE_INTEGER + 2]) {
      const withClass = maxBatchSize({ max_batch_size: bad }, 96, 'CohereProvider');
      assert.equal(withClass.size, 96, String(bad));
      assert.match(withClass.problem ?? '', /^invalid config\.max_batch_size: must be a positive integer; ignored, the class's 96 applies$/);
      const without = maxBatchSize({ max_batch_size: bad }, undefined, 'CustomProvider');
      assert.equal(without.size, undefined);
      assert.match(without.problem ?? '', /calls are sent whole$/);
    }
  });

  test("a user class's bad default is ignored and named", () => {
    assert.deepEqual(maxBatchSize({}, '96', 'MyProvider'), {
      size: undefined,
      problem: "provider_class 'MyProvider' defaults.maxBatchSize is not a positive integer; ignored",
    });
    assert.equal(maxBatchSize({ max_batch_size: 8 }, 0, 'MyProvider').size, 8);
  });
});
