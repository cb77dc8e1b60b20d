/**
 * Deadlines that share one timer per duration. Requests on a route all get the same `deadline_ms`,
 * so their deadlines expire in the order they were set: a list per duration, with one timer armed
 * for its oldest entry, serves them all. Setting and clearing a deadline is then a few field
 * writes, where a Node timer per request costs an object, a timer-list insert and a removal.
 *
 * The timer is unref'd: a deadline alone never keeps the process alive (the upstream call it
 * guards does). Times are `performance.now()` (monotonic), like Node's own timers.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';

/** One deadline in a list: `expire` runs once when it passes, unless it was removed first. */
export abstract class ListedDeadline {
  /** When it passes (performance.now() ms). */
  at = 0;
  prev: ListedDeadline | undefined;
  next: ListedDeadline | undefined;
  list: DeadlineList | undefined;

  abstract expire(): void;
}

export class DeadlineList {
  #head: ListedDeadline | undefined;
  #tail: ListedDeadline | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly ms: number) {}

  /** Starts `deadline`: it expires `ms` from now. */
  add(deadline: ListedDeadline): void {
    deadline.at = performance.now() + this.ms;
    deadline.list = this;
    deadline.prev = this.#tail;
    deadline.next = undefined;
    if (this.#tail === undefined) this.#head = deadline;
    else this.#tail.next = deadline;
    this.#tail = deadline;
    if (this.#timer === undefined) this.#arm(this.ms);
  }

  /** Stops `deadline` (no-op when it is not in this list). The timer stays armed; it re-arms or stops when it fires. */
  remove(deadline: ListedDeadline): void {
    if (deadline.list !== this) return;
    if (deadline.prev === undefined) this.#head = deadline.next;
    else deadline.prev.next = deadline.next;
    if (deadline.next === undefined) this.#tail = deadline.prev;
    else deadline.next.prev = deadline.prev;
    deadline.prev = undefined;
    deadline.next = undefined;
    deadline.list = undefined;
  }

  /** True when no deadline waits (tests). */
  get empty(): boolean {
    return this.#head === undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(ms)));
    this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    // Each expiry may add or remove deadlines of this list: always read the head afresh.
    for (let head = this.#head; head !== undefined && head.at <= now; head = this.#head) {
      this.remove(head);
      head.expire();
    }
    if (this.#head !== undefined && this.#timer === undefined) this.#arm(this.#head.at - now);
  };
}

/** The lists by duration: one per distinct `deadline_ms` (100 to 600,000 by the table's check) ever used. */
const lists = new Map<number, DeadlineList>();

/** The shared list of deadlines of `ms` milliseconds. */
export function deadlineList(ms: number): DeadlineList {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DeadlineList(ms);
    lists.set(ms, list);
  }
  return list;
}
