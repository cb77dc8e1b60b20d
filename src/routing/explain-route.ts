/**
 * Explains which target a request would get on a route and why, without calling any upstream:
 * the tiers, each target's weight and share, its health, the sticky hash and score, and the order
 * the runner would try. With a sticky key the pick is exactly what the request gets now; without
 * one it is weighted random, and the shares are the probabilities.
 *
 * @module
 */
import { rendezvousScore, stickyUnit } from './rendezvous.js';
import type { RouteEntry } from './route-table.js';
import type { Router } from './router.js';
import { orderCandidates } from './select-targets.js';

export interface TargetExplanation {
  model: string;
  arm: string;
  tier: number;
  weight: number;
  /** The target's share of its tier's weight (among targets that can be called). */
  share: number;
  /** closed | open | half_open (the breaker every project shares); open targets are tried last. */
  breaker: string;
  /** When the target is skipped until: the shared breaker's cool-down, or the project's own. */
  open_until: string | null;
  /** The project's own failures tripped the breaker: skipped for it alone, until open_until. */
  open_for_project: boolean;
  credential_blocked: boolean;
  /** Why the target can never be picked now (weight 0, model unavailable), else null. */
  excluded: string | null;
  /** The sticky key's hash for this target, in (0, 1), and its score -ln(u)/weight (lowest wins). */
  sticky_hash: number | null;
  sticky_score: number | null;
}

export interface RouteExplanation {
  route: string;
  route_id: string;
  version: number;
  project_id: string | null;
  sticky_key_source: string;
  sticky_key: string | null;
  /** The target a request gets now (with a sticky key), or null (weighted random; see shares). */
  pick: { model: string; arm: string; tier: number } | null;
  /** The order the runner tries (with a sticky key), or the order by tier and weight. */
  order: string[];
  max_attempts: number;
  deadline_ms: number;
  targets: TargetExplanation[];
  reason: string;
}

export function explainRoute(router: Router, route: RouteEntry, stickyKey: string | undefined, projectId: string | null): RouteExplanation {
  const now = router.now();
  const tierWeight = new Map<number, number>();
  for (const target of route.targets) {
    if (target.resolved && target.weight > 0) tierWeight.set(target.tier, (tierWeight.get(target.tier) ?? 0) + target.weight);
  }
  const targets = route.targets.map((target): TargetExplanation => {
    const openUntil = router.openUntil(target.breakerKey, now, projectId);
    const blocked = target.resolved ? router.credentialBlocked(projectId, target.resolved.provider.id, now) : false;
    const u = stickyKey === undefined ? undefined : stickyUnit(route.salt, stickyKey, target.id);
    const excluded = target.resolved === undefined ? (target.reason ?? 'unavailable') : target.weight <= 0 ? 'weight 0 (drained)' : null;
    return {
      model: target.modelName,
      arm: target.arm,
      tier: target.tier,
      weight: target.weight,
      share: excluded === null ? target.weight / (tierWeight.get(target.tier) ?? 1) : 0,
      breaker: router.breakers.stateOf(target.breakerKey),
      open_until: openUntil === undefined ? null : new Date(openUntil).toISOString(),
      open_for_project: openUntil !== undefined && router.openUntil(target.breakerKey, now) === undefined,
      credential_blocked: blocked,
      excluded,
      sticky_hash: u ?? null,
      sticky_score: u === undefined || excluded !== null ? null : rendezvousScore(u, target.weight),
    };
  });
  // A fixed draw keeps explain side-effect free and deterministic without a key.
  const order = orderCandidates(route, stickyKey, router, projectId, now, () => 0.5);
  const first = order[0];
  const pick = stickyKey !== undefined && first ? { model: first.target.modelName, arm: first.target.arm, tier: first.target.tier } : null;
  let reason: string;
  if (!first) reason = 'no target can serve now';
  else if (stickyKey === undefined) reason = `no sticky key: weighted random within tier ${first.target.tier} (the best tier with a healthy target), by share`;
  else if (first.open) reason = `every target's breaker is open: the one whose cool-down ends first (${first.target.modelName})`;
  else reason = `sticky key: lowest rendezvous score -ln(u)/weight within tier ${first.target.tier} (the best tier with a healthy target)`;
  return {
    route: route.name,
    route_id: route.id,
    version: route.version,
    project_id: route.projectId,
    sticky_key_source: route.stickyKey,
    sticky_key: stickyKey ?? null,
    pick,
    order: order.map((candidate) => candidate.target.modelName),
    max_attempts: route.maxAttempts,
    deadline_ms: route.deadlineMs,
    targets,
    reason,
  };
}
