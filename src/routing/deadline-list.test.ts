import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineList, ListedDeadline } from './deadline-list.js';

class Probe extends ListedDeadline {
  expiredAt: number | undefined;
  constructor(
    readonly name: string,
    readonly log: string[],
    readonly onExpire?: () => void,
  ) {
    super();
  }
  expire(): void {
    this.expiredAt = performance.now();
    this.log.push(this.name);
    this.onExpire?.();
  }
}

test('deadlines of one duration expire in the order they were set, each no earlier than its time', async () => {
  const list = new DeadlineList(40);
  const log: string[] = [];
  const a = new Probe('a', log);
  list.add(a);
  await sleep(15);
  const b = new Probe('b', log);
  list.add(b);
  await sleep(35);
  // a is due (40 ms), b is not yet (set 15 ms later): the timer re-arms for b.
  assert.deepEqual(log, ['a']);
  await sleep(30);
  assert.deepEqual(log, ['a', 'b']);
  assert.ok((b.expiredAt as number) >= b.at - 1, 'b expired before its time');
  assert.ok(list.empty);
});

test('a removed deadline never expires; removing the oldest keeps the others on time', async () => {
  const list = new DeadlineList(30);
  const log: string[] = [];
  const [a, b, c] = ['a', 'b', 'c'].map((name) => new Probe(name, log));
  list.add(a as Probe);
  list.add(b as Probe);
  list.add(c as Probe);
  list.remove(a as Probe);
  list.remove(c as Probe);
  list.remove(c as Probe);
  await sleep(60);
  assert.deepEqual(log, ['b']);
  assert.ok(list.empty);
});

test('an expiry that adds a deadline to the same list gets it its own full duration', async () => {
  const list = new DeadlineList(25);
  const log: string[] = [];
  const again = new Probe('again', log);
  const first = new Probe('first', log, () => list.add(again));
  list.add(first);
  await sleep(40);
  assert.deepEqual(log, ['first']);
  await sleep(40);
  assert.deepEqual(log, ['first', 'again']);
});

test('the shared timer does not keep the process alive', () => {
  const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const before = timers();
  const list = new DeadlineList(60_000);
  const deadline = new Probe('idle', []);
  list.add(deadline);
  assert.equal(timers(), before);
  list.remove(deadline);
});
