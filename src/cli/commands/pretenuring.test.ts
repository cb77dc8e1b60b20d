import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { pretenuringFlag } from './pretenuring.js';

const MODULE = new URL('./pretenuring.ts', import.meta.url).href;

/**
 * A child process (its young generation held to 1 MB, so collections find it at its largest) whose
 * one object literal first builds a long-lived list, then makes only garbage that dies within a few
 * thousand allocations, as a request's objects do. It prints the megabytes the old space took in
 * during the second phase: the literal's objects, when V8 pretenured the site in the first.
 */
function oldSpaceIntakeMb(apply: boolean): number {
  const script = `
    import v8 from 'node:v8';
    import { runInNewContext } from 'node:vm';
    import { applyPretenuring } from ${JSON.stringify(MODULE)};
    if (${apply}) applyPretenuring([]);
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc');
    const make = (i) => ({ i, a: i + 1, b: i + 2 });
    const oldUsed = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space').space_used_size;
    const kept = [];
    for (let i = 0; i < 300_000; i++) kept.push(make(i));
    gc();
    gc();
    const ring = new Array(1024);
    let intake = 0;
    let last = oldUsed();
    for (let i = 0; i < 3_000_000; i++) {
      ring[i & 1023] = make(i);
      if (i % 10_000 === 0) {
        const now = oldUsed();
        if (now > last) intake += now - last;
        last = now;
      }
    }
    console.log(JSON.stringify({ mb: intake / 1048576, kept: kept.length, ring: ring.length }));
  `;
  const out = execFileSync(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return (JSON.parse(out) as { mb: number }).mb;
}

describe('V8 allocation-site pretenuring at start', () => {
  test("turned off unless node's command line has its own choice, in either spelling", () => {
    assert.equal(pretenuringFlag([]), '--no-allocation-site-pretenuring');
    assert.equal(pretenuringFlag(['--no-memory-reducer', '--heap-growing-percent=100']), '--no-allocation-site-pretenuring');
    for (const own of ['--allocation-site-pretenuring', '--no-allocation-site-pretenuring', '--no_allocation_site_pretenuring', '--allocation_site_pretenuring']) {
      assert.equal(pretenuringFlag(['--no-memory-reducer', own]), undefined, own);
    }
    assert.equal(pretenuringFlag(['--allocation-site-pretenuring-x']), '--no-allocation-site-pretenuring', 'another flag');
  });

  test('applied at run time, a literal whose first objects lived long still makes its garbage young', { timeout: 120_000 }, () => {
    const v8Own = oldSpaceIntakeMb(false);
    const off = oldSpaceIntakeMb(true);
    assert.ok(v8Own > 40, `V8 pretenured the literal: ${v8Own.toFixed(1)} MB taken into the old space (the test's premise)`);
    assert.ok(off < 5, `${off.toFixed(1)} MB taken into the old space with pretenuring off`);
  });
});
