// An exchange's EVAL that Redis ran but whose reply was lost (the connection dropped after the
// script ran) must not be run a second time: ioredis resends a command left unanswered by a
// dropped connection once it reconnects (autoResendUnfulfilledCommands, on by default), and an
// exchange is not idempotent when its items carry no running total (an older gateway's, during a
// rolling upgrade): what it reported is charged twice.
// No waiting on time: ioredis resends such commands as soon as the new connection is ready, before
// any command sent after that, and Redis runs a connection's commands in order; so once an exchange
// sent after the reconnect has answered, a resend would have been charged already.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { LeaseSyncItem } from '../../src/db/sql/governance.js';
import { redisLeaseStore } from '../../src/governance/lease-store.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { awayFromMinuteEnd, REDIS_URL, redisReachable, within } from './governed-gateways.js';

const skip = (await redisReachable()) ? false : `Redis is unreachable at ${REDIS_URL}`;

/** An item of holder `h` on `limitId` (1,000 requests a minute) asking for a lease of 100. */
function item(limitId: string): LeaseSyncItem {
  return { limitId, metric: 'requests', holder: 'h', leaseId: null, consumed: 0n, reserved: 0n, want: 100n, need: 0n, release: false, limit: 1000n };
}

describe('a Redis exchange whose reply was lost', { skip }, () => {
  it('is not run again on reconnect: requests are charged once', async () => {
    await awayFromMinuteEnd(15);
    const proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    const through = new URL(REDIS_URL);
    through.host = `127.0.0.1:${proxy.port}`;
    // A probe sent before the client notices the cut is lost with its connection: the deadline
    // drops that connection too, and the client reconnects.
    const store = await redisLeaseStore(through.toString(), 1000);
    const redis = new Redis(REDIS_URL);
    const limitId = randomUUID();
    const spent = async (): Promise<number> => {
      let total = 0;
      for (const key of await redis.keys(`switchboard:governance:${limitId}:requests:*`)) total += Number((await redis.hget(key, 'spent')) ?? '0');
      return total;
    };
    try {
      const [granted] = await store.sync('gov-redis-resend', 30_000, [item(limitId)]);
      assert.notEqual(granted?.leaseId, null);
      proxy.muteReplies();
      // 5 requests reported against the lease, without a running total (as an older gateway does).
      const lost = store.sync('gov-redis-resend', 30_000, [{ ...item(limitId), leaseId: granted?.leaseId ?? null, consumed: 5n }]);
      lost.catch(() => undefined);
      await within(10_000, async () => (await spent()) === 5); // Redis ran it; its reply is lost
      // The connection drops; ioredis reconnects. An exchange of another limit fails at once until then.
      proxy.cut();
      proxy.restore();
      await within(10_000, async () => {
        try {
          await store.sync('gov-redis-resend', 30_000, [item(randomUUID())]);
          return true;
        } catch {
          return false;
        }
      });
      // Run again on reconnect, the report of 5 is charged twice: 10.
      assert.equal(await spent(), 5);
    } finally {
      redis.disconnect();
      await store.close();
      await proxy.close();
    }
  });
});
