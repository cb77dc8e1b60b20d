/**
 * Circuit breakers per (provider, vendor model). Counts are local to the instance and kept per
 * project: a window of each project's last outcomes and its run of consecutive failures. A
 * project's counts trip on `failures` consecutive failures, or on a failure rate of at least
 * `failureRate` over its full window.
 *
 * A trip opens the breaker for everyone, unless one project's calls failed alone while other
 * projects called the same target (within `OTHERS_RECENT_MS`): the failures may be the project's
 * own doing (a prompt that outlives the route's deadline, a body the vendor answers with a 500),
 * and a breaker is shared by every route, project and instance. That project then skips the target
 * for a cool-down of its own, on this instance only; when a second project trips while the first
 * is still cooling down, the breaker opens for everyone. A project that is the only caller trips it
 * for everyone at once, as a single-project deployment expects.
 *
 * Open, the breaker stays so for the cool-down plus up to 20% jitter, then lets one probe through
 * (half-open): success closes it, failure opens it again. Transitions (open, closed) are reported
 * through `onTransition` (the shared health row; written off the request path) and shared rows
 * from other instances are applied with `applyShared`.
 *
 * @module
 */
import type { RouteHealthRow } from '../db/sql/routes.js';
import { OutcomeWindow } from './outcome-window.js';
import { breakerKeyOf, type BreakerSettings } from './route-table.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** How recently another project must have called a target for one project's trip to stay its own. */
export const OTHERS_RECENT_MS = 5 * 60_000;
/** Projects a breaker keeps before it first forgets those idle longer than OTHERS_RECENT_MS. */
const SWEEP_MIN = 64;

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
  /** Outcomes per project ('' for calls without one). */
  projects: Map<string, OutcomeWindow>;
  /** The latest end of a project's own cool-down, so a lookup is skipped once all have ended. */
  trippedUntil: number;
  /** The project count at which idle projects are next forgotten. */
  sweepAt: number;
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
  /** The longest run of consecutive failures of any project. */
  consecutiveFailures: number;
  /** Failures and calls in the windows, summed over projects. */
  failuresInWindow: number;
  windowSize: number;
  /** Projects skipping the target on a cool-down of their own (their failures alone tripped it). */
  projectsOpen: { projectId: string | null; until: Date }[];
}

export class CircuitBreakers {
  readonly #breakers = new Map<string, Breaker>();
  readonly #onTransition: (transition: BreakerTransition) => void;
  readonly #random: () => number;

  constructor(onTransition: (transition: BreakerTransition) => void = () => {}, random: () => number = Math.random) {
    this.#onTransition = onTransition;
    this.#random = random;
  }

  /**
   * undefined when the breaker lets a call through now (closed, or the half-open probe is free) and,
   * given `projectId`, that project is not on a cool-down of its own; else when the cool-down ends.
   */
  openUntil(key: string, now: number, projectId?: string | null): number | undefined {
    const breaker = this.#breakers.get(key);
    if (breaker === undefined) return undefined;
    if (breaker.state === 'open' && now < breaker.openUntil) return breaker.openUntil;
    if (breaker.state === 'half_open' && breaker.probeInFlight) return breaker.openUntil;
    if (projectId === undefined || breaker.trippedUntil <= now) return undefined;
    const own = breaker.projects.get(projectId ?? '')?.trippedUntil ?? 0;
    return own > now ? own : undefined;
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

  /** Records an attempt's outcome for `projectId` (only failures that say something about the target count). */
  record(
    key: string,
    providerId: string,
    vendorModelId: string,
    success: boolean,
    settings: BreakerSettings,
    now: number,
    projectId: string | null = null,
  ): void {
    const breaker = this.#get(key, providerId, vendorModelId);
    if (breaker.state === 'half_open' || (breaker.state === 'open' && now >= breaker.openUntil)) {
      breaker.probeInFlight = false;
      if (success) this.#close(breaker, key, 'probe succeeded');
      else this.#open(breaker, key, settings, now, 'probe failed');
      return;
    }
    const project = projectId ?? '';
    const counts = this.#counts(breaker, project, settings.window, now);
    counts.lastAt = now;
    const tripped = counts.add(success, settings);
    // A call of a project on its own cool-down (every other target was worse) that succeeds ends it.
    if (success && counts.trippedUntil > now) counts.trippedUntil = 0;
    if (!tripped || breaker.state !== 'closed') return;
    const reason = counts.reason(settings);
    const others = this.#others(breaker, project, now);
    if (others === 'tripped') {
      this.#open(breaker, key, settings, now, `${reason} (a second project)`);
    } else if (others === 'recent') {
      counts.trippedUntil = now + this.#cooldown(settings);
      counts.clear();
      if (counts.trippedUntil > breaker.trippedUntil) breaker.trippedUntil = counts.trippedUntil;
    } else {
      this.#open(breaker, key, settings, now, reason);
    }
  }

  /** Applies the shared rows: another instance's open (until its end) or close. Emits nothing. */
  applyShared(rows: readonly RouteHealthRow[], now: number, self?: string): void {
    for (const row of rows) {
      if (self !== undefined && row.changedBy === self) continue;
      const key = breakerKeyOf(row.providerId, row.vendorModelId);
      const seen = `${row.state}@${row.openUntil?.getTime() ?? ''}@${row.changedAt.getTime()}`;
      const breaker = this.#get(key, row.providerId, row.vendorModelId);
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

  status(now = Date.now()): BreakerStatus[] {
    return [...this.#breakers].map(([key, breaker]) => {
      let consecutiveFailures = 0;
      let failuresInWindow = 0;
      let windowSize = 0;
      const projectsOpen: BreakerStatus['projectsOpen'] = [];
      for (const [project, counts] of breaker.projects) {
        consecutiveFailures = Math.max(consecutiveFailures, counts.consecutive);
        failuresInWindow += counts.failures;
        windowSize += counts.filled;
        if (counts.trippedUntil > now) projectsOpen.push({ projectId: project === '' ? null : project, until: new Date(counts.trippedUntil) });
      }
      return {
        key,
        providerId: breaker.providerId,
        vendorModelId: breaker.vendorModelId,
        state: breaker.state,
        openUntil: breaker.state === 'closed' ? undefined : new Date(breaker.openUntil),
        consecutiveFailures,
        failuresInWindow,
        windowSize,
        projectsOpen,
      };
    });
  }

  stateOf(key: string): BreakerState {
    return this.#breakers.get(key)?.state ?? 'closed';
  }

  #get(key: string, providerId: string, vendorModelId: string): Breaker {
    let breaker = this.#breakers.get(key);
    if (breaker === undefined) {
      breaker = {
        providerId,
        vendorModelId,
        projects: new Map(),
        trippedUntil: 0,
        sweepAt: SWEEP_MIN,
        state: 'closed',
        openUntil: 0,
        probeInFlight: false,
        sharedSeen: undefined,
      };
      this.#breakers.set(key, breaker);
    }
    return breaker;
  }

  /** `project`'s counts, anew when the route's window size changed (its run and cool-down carried over). */
  #counts(breaker: Breaker, project: string, window: number, now: number): OutcomeWindow {
    const counts = breaker.projects.get(project);
    if (counts !== undefined && counts.size === window) return counts;
    if (counts === undefined && breaker.projects.size >= breaker.sweepAt) {
      for (const [other, entry] of breaker.projects) {
        if (entry.lastAt < now - OTHERS_RECENT_MS && entry.trippedUntil <= now) breaker.projects.delete(other);
      }
      breaker.sweepAt = Math.max(SWEEP_MIN, breaker.projects.size * 2);
    }
    const fresh = new OutcomeWindow(window, counts);
    breaker.projects.set(project, fresh);
    return fresh;
  }

  /** Whether another project is on a cool-down of its own (`tripped`), or called the target lately (`recent`). */
  #others(breaker: Breaker, project: string, now: number): 'tripped' | 'recent' | 'none' {
    let recent = false;
    for (const [other, counts] of breaker.projects) {
      if (other === project) continue;
      if (counts.trippedUntil > now) return 'tripped';
      if (counts.lastAt >= now - OTHERS_RECENT_MS) recent = true;
    }
    return recent ? 'recent' : 'none';
  }

  #cooldown(settings: BreakerSettings): number {
    return settings.cooldownMs * (1 + 0.2 * this.#random());
  }

  #open(breaker: Breaker, key: string, settings: BreakerSettings, now: number, reason: string): void {
    const cooldownMs = this.#cooldown(settings);
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
    breaker.projects.clear();
    breaker.trippedUntil = 0;
  }
}
