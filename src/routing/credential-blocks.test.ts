import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CredentialBlocks } from './credential-blocks.js';

const project = '00000000-0000-4000-8000-000000000001';
const provider = '11111111-1111-4111-8111-111111111111';
const row = (changedAt: number, blockedUntil: number, changedBy = 'other') => ({ projectId: project, providerId: provider, blockedUntil: new Date(blockedUntil), changedBy, changedAt: new Date(changedAt), fingerprint: null });

describe('credential blocks', () => {
  it("applies another instance's row once, skips its own, and never shortens a block in force", () => {
    const blocks = new CredentialBlocks();
    blocks.applyShared([row(1, 5000, 'me')], 0, 'me');
    assert.equal(blocks.isBlocked(project, provider, 10), false, 'its own row');
    blocks.applyShared([row(1, 5000)], 0, 'me');
    assert.equal(blocks.isBlocked(project, provider, 10), true);
    blocks.clear();
    blocks.applyShared([row(1, 5000)], 20, 'me');
    assert.equal(blocks.isBlocked(project, provider, 30), false, 'a row applied before a credential change is not applied again');
    blocks.applyShared([row(2, 6000)], 40, 'me');
    assert.equal(blocks.isBlocked(project, provider, 50), true, 'a newer report is');
    blocks.block(project, provider, 50, 10_000);
    blocks.applyShared([row(3, 7000)], 60, 'me');
    assert.deepEqual(blocks.list(60).map((block) => block.until.getTime()), [10_050]);
  });

  it('holds one entry per (project, provider) however often a block is re-reported', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const blocks = new CredentialBlocks();
    const rows = (at: number) =>
      Array.from({ length: 100 }, (_, index) => ({ ...row(at, at + 1), projectId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}` }));
    for (let reload = 0; reload < 200; reload++) blocks.applyShared(rows(reload * 250), reload * 250 + 10, 'me');
    gc();
    const before = process.memoryUsage().heapUsed;
    // 3,000 reloads of 100 re-reported rows (12.5 minutes at the 250 ms minimum interval).
    for (let reload = 200; reload < 3200; reload++) blocks.applyShared(rows(reload * 250), reload * 250 + 10, 'me');
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
    assert.equal(blocks.list(Number.MAX_SAFE_INTEGER).length, 0, 'no block in force');
    assert.ok(grownMb < 5, `the heap grew by ${grownMb.toFixed(1)} MB for expired blocks`);
  });
});
