// Issue 10: rate limits with the optional Redis store (SWITCHBOARD_REDIS_URL, here
// redis://127.0.0.1:6379): two instances share the requests-per-minute limit through Redis, and no
// counter row is written to Postgres for it. Skips with a message when Redis is unreachable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awayFromMinuteEnd, chat, createWorld, REDIS_URL, redisReachable, within, type Instance, type World } from './governed-gateways.js';

const skip = (await redisReachable()) ? false : `Redis is unreachable at ${REDIS_URL}`;

describe('rate limits on Redis across two instances', { skip }, () => {
  let world: World;
  let a: Instance;
  let b: Instance;

  before(async () => {
    world = await createWorld();
    a = await world.start({ governance: { redisUrl: REDIS_URL } });
    b = await world.start({ governance: { redisUrl: REDIS_URL } });
  });
  after(async () => {
    await world?.close();
  });

  it('a burst over requests per minute: exactly the limit passes, with headers; Postgres holds no counter for it', async () => {
    await awayFromMinuteEnd(15);
    await world.db.query(`insert into public.ai_rate_limits (name, project_id, api_key_id, requests_per_minute) values ('redis-rpm', $1, $2, 8)`, [
      world.projectId,
      world.key.id,
    ]);
    await Promise.all([a, b].map((instance) => within(10_000, () => Promise.resolve(instance.switchboard.governor?.rules.rateLimitCount === 1))));
    const results = [];
    for (let index = 0; index < 12; index += 1) results.push(await chat(index % 2 === 0 ? a.origin : b.origin, world.key.key));
    assert.equal(results.filter((result) => result.status === 200).length, 8);
    for (const result of results.filter((candidate) => candidate.status === 429)) {
      assert.equal(result.body.error?.code, 'rate_limit_exceeded');
      assert.ok(Number(result.headers.get('retry-after')) >= 1);
      assert.equal(result.headers.get('x-ratelimit-limit-requests'), '8');
      assert.equal(result.headers.get('x-ratelimit-remaining-requests'), '0');
    }
    const counters = await world.db.query(`select 1 from public.ai_governance_counters`);
    assert.equal(counters.rowCount, 0);
  });
});
