/**
 * Circuit breakers per (provider, vendor model). Counts are local to the instance: a window of the
 * last outcomes and the run of consecutive failures. A breaker opens on `failures` consecutive
 * failures, or on a failure rate of at least `failureRate` over a full window; it stays open for
 * the cool-down plus up to 20% jitter, then lets one probe through (half-open): success closes it,
 * failure opens it again. Transitions (open, closed) are reported through `onTransition` (the
 * shared health row; written off the request path) and shared rows from other instances are
 * applied with `applyShared`.
 *
 * @module
 */
import type { RouteHealthRow } from '../db/sql/routes.js';
import { breakerKeyOf, type BreakerSettings } from './route-table.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerTransition {
  key: string;
  providerId: string;
  vendorModelId: string;
  state: 'open' | 'closed';
  cooldownMs: number;
  reason: string;
}

interface Breaker {
  providerId: string;
  vendorModelId: string;
  outcomes: boolean[];
  next: number;
  filled: number;
  failuresInWindow: number;
  consecutive: number;
  state: BreakerState;
  openUntil: number;
  probeInFlight: boolean;
  /** The shared row last applied (`state@open_until`), so one row is applied once. */
  sharedSeen: string | undefined;
}

export interface BreakerStatus {
  key: string;
  providerId: string;
  vendorModelId: string;
  state: BreakerState;
  openUntil: Date | undefined;
  consecutiveFailures: number;
  failuresInWindow: number;
  windowSize: number;
}

export class CircuitBreakers {
  readonly #breakers = new Map<string, Breaker>();
  readonly #onTransition: (transition: BreakerTransition) => void;
  readonly #random: () => number;

  constructor(onTransition: (transition: BreakerTransition) => void = () => {}, random: () => number = Math.random) {
    this.#onTransition = onTransition;
    this.#random = random;
  }

  /** undefined when the breaker lets a call through now (closed, or the half-open probe is free); else when the cool-down ends. */
  openUntil(key: string, now: number): number | undefined {
    const breaker = this.#breakers.get(key);
    if (breaker === undefined || breaker.state === 'closed') return undefined;
    if (breaker.state === 'open' && now >= breaker.openUntil) return undefined;
    if (breaker.state === 'half_open' && !breaker.probeInFlight) return undefined;
    return breaker.openUntil;
  }

  /** Called when an attempt starts: claims the probe of a breaker whose cool-down is over. */
  begin(key: string, now: number): void {
    const breaker = this.#breakers.get(key);
    if (breaker === undefined || breaker.state === 'closed') return;
    if (breaker.state === 'open' && now >= breaker.openUntil) breaker.state = 'half_open';
    if (breaker.state === 'half_open') breaker.probeInFlight = true;
  }

  /** Gives back a probe claimed by `begin` whose attempt ended without an outcome (client gone). */
  release(key: string): void {
    const breaker = this.#breakers.get(key);
    if (breaker) breaker.probeInFlight = false;
  }

  /** Records an attempt's outcome (only failures that say something about the target count). */
  record(key: string, providerId: string, vendorModelId: string, success: boolean, settings: BreakerSettings, now: number): void {
    const breaker = this.#get(key, providerId, vendorModelId, settings.window);
    if (breaker.state === 'half_open' || (breaker.state === 'open' && now >= breaker.openUntil)) {
      breaker.probeInFlight = false;
      if (success) this.#close(breaker, key, 'probe succeeded');
      else this.#open(breaker, key, settings, now, 'probe failed');
      return;
    }
    const slot = breaker.next;
    if (breaker.filled === breaker.outcomes.length) {
      if (breaker.outcomes[slot] === false) breaker.failuresInWindow -= 1;
    } else {
      breaker.filled += 1;
    }
    breaker.outcomes[slot] = success;
    breaker.next = (slot + 1) % breaker.outcomes.length;
    if (success) {
      breaker.consecutive = 0;
      return;
    }
    breaker.failuresInWindow += 1;
    breaker.consecutive += 1;
    if (breaker.state !== 'closed') return;
    if (breaker.consecutive >= settings.failures) {
      this.#open(breaker, key, settings, now, `${breaker.consecutive} consecutive failures`);
    } else if (breaker.filled === breaker.outcomes.length && breaker.failuresInWindow / breaker.filled >= settings.failureRate) {
      this.#open(breaker, key, settings, now, `${breaker.failuresInWindow} failures in the last ${breaker.filled} calls`);
    }
  }

  /** Applies the shared rows: another instance's open (until its end) or close. Emits nothing. */
  applyShared(rows: readonly RouteHealthRow[], now: number, self?: string): void {
    for (const row of rows) {
      if (self !== undefined && row.changedBy === self) continue;
      const key = breakerKeyOf(row.providerId, row.vendorModelId);
      const seen = `${row.state}@${row.openUntil?.getTime() ?? ''}@${row.changedAt.getTime()}`;
      const breaker = this.#get(key, row.providerId, row.vendorModelId, 20);
      if (breaker.sharedSeen === seen) continue;
      breaker.sharedSeen = seen;
      if (row.state === 'open' && row.openUntil && row.openUntil.getTime() > now) {
        if (breaker.state === 'closed' || breaker.openUntil < row.openUntil.getTime()) {
          breaker.state = 'open';
          breaker.openUntil = row.openUntil.getTime();
          breaker.probeInFlight = false;
        }
      } else if (row.state === 'closed' && breaker.state !== 'closed') {
        this.#reset(breaker);
      }
    }
  }

  status(): BreakerStatus[] {
    return [...this.#breakers].map(([key, breaker]) => ({
      key,
      providerId: breaker.providerId,
      vendorModelId: breaker.vendorModelId,
      state: breaker.state,
      openUntil: breaker.state === 'closed' ? undefined : new Date(breaker.openUntil),
      consecutiveFailures: breaker.consecutive,
      failuresInWindow: breaker.failuresInWindow,
      windowSize: breaker.filled,
    }));
  }

  stateOf(key: string): BreakerState {
    return this.#breakers.get(key)?.state ?? 'closed';
  }

  #get(key: string, providerId: string, vendorModelId: string, window: number): Breaker {
    let breaker = this.#breakers.get(key);
    if (breaker === undefined || breaker.outcomes.length !== window) {
      const fresh: Breaker = {
        providerId,
        vendorModelId,
        outcomes: new Array<boolean>(window).fill(true),
        next: 0,
        filled: 0,
        failuresInWindow: 0,
        consecutive: breaker?.consecutive ?? 0,
        state: breaker?.state ?? 'closed',
        openUntil: breaker?.openUntil ?? 0,
        probeInFlight: breaker?.probeInFlight ?? false,
        sharedSeen: breaker?.sharedSeen,
      };
      this.#breakers.set(key, fresh);
      breaker = fresh;
    }
    return breaker;
  }

  #open(breaker: Breaker, key: string, settings: BreakerSettings, now: number, reason: string): void {
    const cooldownMs = settings.cooldownMs * (1 + 0.2 * this.#random());
    breaker.state = 'open';
    breaker.openUntil = now + cooldownMs;
    breaker.probeInFlight = false;
    this.#onTransition({ key, providerId: breaker.providerId, vendorModelId: breaker.vendorModelId, state: 'open', cooldownMs, reason });
  }

  #close(breaker: Breaker, key: string, reason: string): void {
    this.#reset(breaker);
    this.#onTransition({ key, providerId: breaker.providerId, vendorModelId: breaker.vendorModelId, state: 'closed', cooldownMs: 0, reason });
  }

  #reset(breaker: Breaker): void {
    breaker.state = 'closed';
    breaker.openUntil = 0;
    breaker.probeInFlight = false;
    breaker.consecutive = 0;
    breaker.failuresInWindow = 0;
    breaker.filled = 0;
    breaker.next = 0;
  }
}
