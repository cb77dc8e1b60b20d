import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatabaseClock } from './database-clock.js';

describe('the database clock offset', () => {
  it('is 0 until measured, then the database time minus the round trip midpoint', () => {
    const clock = new DatabaseClock();
    assert.equal(clock.offsetMs, 0);
    clock.sample(10_000, 1_000, 1_010);
    assert.equal(clock.offsetMs, 8_995);
  });

  it('keeps a precise reading over a slow one (a lock wait), until the kept one has aged', () => {
    const clock = new DatabaseClock();
    clock.sample(10_000, 1_000, 1_010); // ±5 ms
    clock.sample(50_000, 2_000, 4_000); // ±1,000 ms: ignored
    assert.equal(clock.offsetMs, 8_995);
    clock.sample(11_003, 2_000, 2_004); // ±2 ms: taken
    assert.equal(clock.offsetMs, 9_001);
    // 1 ms of error per second of age: a ±1,000 ms reading wins once the ±2 ms one is ~1,000 s old.
    clock.sample(2_000_000, 990_000, 992_000);
    assert.equal(clock.offsetMs, 9_001);
    clock.sample(2_010_000, 1_000_000, 1_002_000);
    assert.equal(clock.offsetMs, 1_009_000);
  });

  it('takes any reading after the instance clock stepped back, and ignores an invalid time', () => {
    const clock = new DatabaseClock();
    clock.sample(10_000, 5_000, 5_002);
    clock.sample(20_000, 1_000, 3_000);
    assert.equal(clock.offsetMs, 18_000);
    clock.sample(Number.NaN, 1_000, 1_000);
    assert.equal(clock.offsetMs, 18_000);
  });
});
