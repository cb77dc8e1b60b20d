import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { heapGrowingFlag } from './heap-growth.js';

const MODULE = new URL('./heap-growth.ts', import.meta.url).href;

/**
 * A child process that keeps ~20 MB live and then, in a fixed number of steps, makes objects that
 * outlive two scavenges (so they reach the old space) and die there. It prints the most the old
 * space ever held: V8 collects it when it reaches its limit, a multiple of the live heap.
 */
function maxOldSpaceMb(apply: boolean): number {
  const script = `
    import v8 from 'node:v8';
    import { applyHeapGrowth } from ${JSON.stringify(MODULE)};
    if (${apply}) applyHeapGrowth([]);
    const live = Array.from({ length: 200_000 }, (_, i) => ({ i, text: 'live ' + i }));
    let window = [];
    let most = 0;
    for (let step = 0; step < 400; step++) {
      for (let i = 0; i < 20_000; i++) window.push({ step, i, text: 'garbage ' + i });
      if (window.length > 200_000) window = window.slice(100_000);
      const old = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space');
      most = Math.max(most, old.space_used_size);
    }
    console.log(JSON.stringify({ mb: most / 1048576, live: live.length }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return (JSON.parse(out) as { mb: number }).mb;
}

describe('V8 heap growing factor at start', () => {
  test("set unless node's command line has its own, in either spelling", () => {
    assert.equal(heapGrowingFlag([]), '--heap-growing-percent=100');
    assert.equal(heapGrowingFlag(['--no-memory-reducer', '--enable-source-maps']), '--heap-growing-percent=100');
    for (const own of [['--heap-growing-percent=0'], ['--heap_growing_percent=30'], ['--heap-growing-percent', '50']]) {
      assert.equal(heapGrowingFlag(['--no-memory-reducer', ...own]), undefined, own.join(' '));
    }
    assert.equal(heapGrowingFlag(['--heap-growing-percentage=5']), '--heap-growing-percent=100', 'another flag');
  });

  test('applied at run time, it keeps the old space nearer its live size than V8 alone', { timeout: 120_000 }, () => {
    const v8Own = maxOldSpaceMb(false);
    const fixed = maxOldSpaceMb(true);
    assert.ok(fixed < v8Own * 0.75, `old space at most ${fixed.toFixed(0)} MB with the factor fixed, ${v8Own.toFixed(0)} MB with V8's own`);
  });
});
