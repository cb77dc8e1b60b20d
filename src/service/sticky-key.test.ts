// A route's sticky key is hashed once per target (rendezvous hashing). The `user` field had no
// length limit (the header is capped at 256 characters): one request with a 20 MB `user` on a
// 20-target route blocked the event loop ~3.9 s for every tenant (found by an attack review).
// A key over 256 characters is reduced to its digest once, before the per-target hashes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteEntry } from '../routing/route-table.js';
import type { CallContext } from './ai-service.js';
import { stickyKeyOf } from './routed-call.js';

const route = (stickyKey: RouteEntry['stickyKey']): RouteEntry => ({ stickyKey }) as RouteEntry;
const context = (stickyKey?: string): CallContext => (stickyKey === undefined ? {} : { stickyKey }) as CallContext;

describe('stickyKeyOf', () => {
  it('keys up to 256 characters are used as they are (assignments made before stay)', () => {
    const user = 'u'.repeat(256);
    assert.equal(stickyKeyOf(route('user'), { user }, context()), user);
    assert.equal(stickyKeyOf(route('header'), {}, context('k-1')), 'k-1');
    assert.equal(stickyKeyOf(route('user_or_header'), { user: 'alice' }, context()), 'alice');
    assert.equal(stickyKeyOf(route('none'), { user: 'alice' }, context('k')), undefined);
    assert.equal(stickyKeyOf(route('user'), { user: '' }, context()), undefined);
  });

  it('a longer key is reduced to a short digest: the same for the same key, distinct for distinct keys', () => {
    const long = 'u'.repeat(20 * 1024 * 1024);
    const key = stickyKeyOf(route('user'), { user: long }, context()) ?? '';
    assert.ok(key.length <= 80, `key of ${key.length} characters`);
    assert.equal(stickyKeyOf(route('user'), { user: long }, context()), key);
    assert.notEqual(stickyKeyOf(route('user'), { user: `${long}v` }, context()), key);
  });
});
