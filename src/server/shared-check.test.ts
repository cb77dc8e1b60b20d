import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedCheck } from './shared-check.js';

test('concurrent callers share one run; its answer is kept for the ttl, then checked again', async () => {
  let runs = 0;
  let ready = true;
  const check = sharedCheck(async () => {
    runs += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return ready;
  }, 50);
  const answers = await Promise.all(Array.from({ length: 1_000 }, () => check()));
  assert.equal(runs, 1);
  assert.ok(answers.every((answer) => answer));
  ready = false;
  assert.equal(await check(), true, 'within the ttl: the kept answer');
  assert.equal(runs, 1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(await check(), false);
  assert.equal(runs, 2);
});

test('a check that throws answers not ready', async () => {
  const check = sharedCheck(() => Promise.reject(new Error('database unreachable')), 0);
  assert.equal(await check(), false);
});
