/**
 * Orders a route's targets for one request: healthy targets of the best tier first (by rendezvous
 * score: the first is the pick), then the healthy targets of the next tiers, then targets whose
 * breaker is open, the one whose cool-down ends first first. Weight 0 and targets that cannot be
 * called are left out.
 *
 * @module
 */
import { rendezvousScore, stickyUnit } from './rendezvous.js';
import type { RouteEntry, RouteTarget } from './route-table.js';

/** What selection needs to know about a target's health now. */
export interface HealthView {
  /**
   * undefined: closed or half-open (may be tried); else when its cool-down ends (ms epoch), the
   * breaker's or `projectId`'s own (see circuit-breakers.ts).
   */
  openUntil(key: string, now: number, projectId: string | null): number | undefined;
  /** The credential of (project, provider) is blocked (a 401/403 or quota answer). */
  credentialBlocked(projectId: string | null, providerId: string, now: number): boolean;
}

export interface Candidate {
  target: RouteTarget;
  score: number;
  /** The breaker was open when ordered (tried only after every healthy candidate). */
  open: boolean;
  openUntil: number | undefined;
}

/** The candidates in the order the runner tries them. */
export function orderCandidates(
  route: RouteEntry,
  stickyKey: string | undefined,
  health: HealthView,
  projectId: string | null,
  now: number,
  random: () => number = Math.random,
): Candidate[] {
  const healthy: Candidate[] = [];
  let open: Candidate[] | undefined;
  for (const target of route.targets) {
    if (target.weight <= 0 || target.resolved === undefined) continue;
    if (health.credentialBlocked(projectId, target.resolved.provider.id, now)) continue;
    const u = stickyKey === undefined ? 1 - random() : stickyUnit(route.salt, stickyKey, target.id);
    const score = rendezvousScore(u, target.weight);
    const openUntil = health.openUntil(target.breakerKey, now, projectId);
    const candidate: Candidate = { target, score, open: openUntil !== undefined, openUntil };
    if (openUntil === undefined) healthy.push(candidate);
    else (open ??= []).push(candidate);
  }
  if (healthy.length > 1) sortShort(healthy, byTierThenScore);
  if (open === undefined) return healthy;
  open.sort((a, b) => (a.openUntil ?? 0) - (b.openUntil ?? 0));
  for (const candidate of open) healthy.push(candidate);
  return healthy;
}

function byTierThenScore(a: Candidate, b: Candidate): number {
  return a.target.tier - b.target.tier || a.score - b.score;
}

/**
 * Sorts `items` in place, stably. A route has a few targets and is ordered on every request:
 * Array.prototype.sort allocates its work state each time (about 1 KB per request measured),
 * an insertion sort nothing. Long lists still go to the built-in sort.
 */
export function sortShort<T>(items: T[], compare: (a: T, b: T) => number): void {
  if (items.length > 16) {
    items.sort(compare);
    return;
  }
  for (let i = 1; i < items.length; i++) {
    const item = items[i] as T;
    let j = i - 1;
    for (; j >= 0 && compare(items[j] as T, item) > 0; j--) items[j + 1] = items[j] as T;
    items[j + 1] = item;
  }
}
