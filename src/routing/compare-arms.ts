/**
 * The per-arm comparison of a route, read from the hourly rollups only: per arm assigned (the
 * first attempt's target: what the experiment randomized) and per arm served (the target that
 * answered), with a sample-ratio check of the assignment against the weights.
 *
 * @module
 */
import type { Queryable } from '../db/db.js';
import { selectArmRollups, type ArmRollupFilters, type ArmRollupRow } from '../db/sql/route-comparison.js';
import { histogramPercentile, LATENCY_BUCKETS } from '../usage/reports/latency-percentile.js';
import { sampleRatioCheck, type SampleRatioCheck } from './chi-square.js';
import type { RouteEntry } from './route-table.js';

export interface ArmFigures {
  arm: string;
  /** Requests: first attempts (assigned) or successful answers (served). */
  requests: number;
  /** Upstream attempts (ledger rows). */
  attempts: number;
  success_rate: number | null;
  /** Assigned: share of requests answered by another target than the one assigned. */
  fallback_rate: number | null;
  /** Streams cut after the commit point (not counting clients that went away). */
  incomplete: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  ttft_p50_ms: number | null;
  ttft_avg_ms: number | null;
  input_tokens_per_request: number | null;
  output_tokens_per_request: number | null;
  cost_per_request_usd: number | null;
  cost_usd: number;
}

export interface AssignedArm extends ArmFigures {
  /** The arm's weight share in the route's first tier now. */
  expected_share: number;
  observed_share: number | null;
}

export interface ArmComparison {
  route: string;
  since: string | null;
  until: string | null;
  by_arm_assigned: AssignedArm[];
  by_arm_served: ArmFigures[];
  sample_ratio: SampleRatioCheck | null;
}

interface Sum {
  requests: number;
  attempts: number;
  successes: number;
  fallbacks: number;
  incomplete: number;
  input: number;
  output: number;
  cost: number;
  ttftSum: number;
  ttftCount: number;
  duration: number[];
  success: number[];
  ttft: number[];
}

const emptySum = (): Sum => ({
  requests: 0, attempts: 0, successes: 0, fallbacks: 0, incomplete: 0, input: 0, output: 0, cost: 0, ttftSum: 0, ttftCount: 0,
  duration: new Array<number>(LATENCY_BUCKETS).fill(0), success: new Array<number>(LATENCY_BUCKETS).fill(0), ttft: new Array<number>(LATENCY_BUCKETS).fill(0),
});

export async function compareArms(db: Queryable, route: RouteEntry | undefined, filters: ArmRollupFilters): Promise<ArmComparison> {
  const rows = await selectArmRollups(db, filters);
  const assigned = new Map<string, Sum>();
  const served = new Map<string, Sum>();
  for (const row of rows) {
    if (row.arm !== null) add(sumOf(assigned, row.arm), row, 'assigned');
    if (row.servedArm !== null) add(sumOf(served, row.servedArm), row, 'served');
  }
  const shares = expectedShares(route);
  for (const arm of shares.keys()) sumOf(assigned, arm);
  const totalRequests = [...assigned.values()].reduce((total, sum) => total + sum.requests, 0);
  const byAssigned = [...assigned].map(([arm, sum]): AssignedArm => ({
    ...figures(arm, sum, sum.requests, sum.requests),
    fallback_rate: sum.requests > 0 ? sum.fallbacks / sum.requests : null,
    expected_share: shares.get(arm) ?? 0,
    observed_share: totalRequests > 0 ? sum.requests / totalRequests : null,
  }));
  const byServed = [...served].map(([arm, sum]) => ({ ...figures(arm, sum, sum.successes, sum.attempts), fallback_rate: null }));
  return {
    route: filters.route,
    since: filters.since?.toISOString() ?? null,
    until: filters.until?.toISOString() ?? null,
    by_arm_assigned: byAssigned,
    by_arm_served: byServed,
    sample_ratio: sampleRatioCheck(byAssigned.map((arm) => arm.requests), byAssigned.map((arm) => arm.expected_share)),
  };
}

/** Each arm's share of the first tier with weight (summed over its targets). */
export function expectedShares(route: RouteEntry | undefined): Map<string, number> {
  const shares = new Map<string, number>();
  if (!route) return shares;
  // Only targets the runner can pick (as selection and explain count them).
  const live = route.targets.filter((target) => target.weight > 0 && target.resolved !== undefined);
  if (live.length === 0) return shares;
  const tier = Math.min(...live.map((target) => target.tier));
  const inTier = live.filter((target) => target.tier === tier);
  const total = inTier.reduce((sum, target) => sum + target.weight, 0);
  for (const target of inTier) shares.set(target.arm, (shares.get(target.arm) ?? 0) + target.weight / total);
  return shares;
}

function sumOf(map: Map<string, Sum>, arm: string): Sum {
  let sum = map.get(arm);
  if (!sum) map.set(arm, (sum = emptySum()));
  return sum;
}

function add(sum: Sum, row: ArmRollupRow, as: 'assigned' | 'served'): void {
  if (as === 'assigned') {
    sum.requests += Number(row.firstAttempts);
    sum.fallbacks += Number(row.fallbackSuccesses);
  }
  sum.attempts += Number(row.attempts);
  sum.successes += Number(row.successes);
  sum.incomplete += Number(row.incomplete);
  sum.input += Number(row.inputTokens) + Number(row.cachedInputTokens);
  sum.output += Number(row.outputTokens) + Number(row.reasoningTokens);
  sum.cost += Number(row.costUsd);
  sum.ttftSum += row.ttftMsSum;
  sum.ttftCount += Number(row.ttftCount);
  addHistograms(sum.duration, row.durationHistograms);
  addHistograms(sum.success, row.successHistograms);
  addHistograms(sum.ttft, row.ttftHistograms);
}

function addHistograms(into: number[], histograms: readonly (readonly (string | number)[] | null)[]): void {
  for (const histogram of histograms) {
    if (!histogram) continue;
    for (let index = 0; index < into.length; index++) into[index] = (into[index] ?? 0) + Number(histogram[index] ?? 0);
  }
}

/** `requests`: the denominator of per-request figures; the success rate is per request assigned, or per attempt served. */
function figures(arm: string, sum: Sum, requests: number, successOf: number): ArmFigures {
  const per = (value: number): number | null => (requests > 0 ? value / requests : null);
  const latency = sum.success.some((count) => count > 0) ? sum.success : sum.duration;
  return {
    arm,
    requests,
    attempts: sum.attempts,
    success_rate: successOf > 0 ? sum.successes / successOf : null,
    fallback_rate: null,
    incomplete: sum.incomplete,
    latency_p50_ms: histogramPercentile(latency, 0.5),
    latency_p95_ms: histogramPercentile(latency, 0.95),
    ttft_p50_ms: histogramPercentile(sum.ttft, 0.5),
    ttft_avg_ms: sum.ttftCount > 0 ? sum.ttftSum / sum.ttftCount : null,
    input_tokens_per_request: per(sum.input),
    output_tokens_per_request: per(sum.output),
    cost_per_request_usd: per(sum.cost),
    cost_usd: sum.cost,
  };
}
