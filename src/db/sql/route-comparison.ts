import type { Queryable, SqlParam } from '../db.js';

/** The rollup sums of one (arm assigned, arm served) pair of a route. */
export interface ArmRollupRow {
  arm: string | null;
  servedArm: string | null;
  attempts: string;
  errors: string;
  firstAttempts: string;
  successes: string;
  fallbackSuccesses: string;
  incomplete: string;
  inputTokens: string;
  cachedInputTokens: string;
  outputTokens: string;
  reasoningTokens: string;
  costUsd: string;
  ttftMsSum: number;
  ttftCount: string;
  durationHistograms: (string | number)[][];
  successHistograms: ((string | number)[] | null)[];
  ttftHistograms: (string | number)[][];
}

export interface ArmRollupFilters {
  route: string;
  projectId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /**
   * The global route's figures: leave out the traffic of projects that have a route of their own
   * under the same name (the rollups are keyed by route name, and a project's route wins for it).
   */
  globalOnly?: boolean | undefined;
}

/** The hourly rollups of a route, summed per (arm, served arm); histograms are returned per hour to be summed by the caller. */
export async function selectArmRollups(db: Queryable, filters: ArmRollupFilters): Promise<ArmRollupRow[]> {
  const params: SqlParam[] = [filters.route];
  const where = ['h.route_name = $1'];
  if (filters.projectId !== undefined) {
    params.push(filters.projectId);
    where.push(`h.project_id = $${params.length}`);
  }
  if (filters.globalOnly === true) {
    where.push(`not exists (select 1 from public.ai_routes r where r.name = h.route_name and r.project_id = h.project_id)`);
  }
  if (filters.since !== undefined) {
    params.push(filters.since);
    where.push(`h.hour >= date_trunc('hour', $${params.length}::timestamptz)`);
  }
  if (filters.until !== undefined) {
    params.push(filters.until);
    where.push(`h.hour < $${params.length}::timestamptz`);
  }
  const result = await db.query<ArmRollupRow>(
    `select h.arm, h.served_arm as "servedArm", sum(h.requests)::text as attempts, sum(h.errors)::text as errors,
            sum(h.first_attempts)::text as "firstAttempts", sum(h.successes)::text as successes,
            sum(h.fallback_successes)::text as "fallbackSuccesses", sum(h.incomplete)::text as incomplete,
            sum(h.input_tokens)::text as "inputTokens", sum(h.cached_input_tokens)::text as "cachedInputTokens",
            sum(h.output_tokens)::text as "outputTokens", sum(h.reasoning_tokens)::text as "reasoningTokens",
            sum(h.cost_usd)::text as "costUsd", sum(h.ttft_ms_sum)::float8 as "ttftMsSum", sum(h.ttft_count)::text as "ttftCount",
            json_agg(h.duration_histogram) as "durationHistograms", json_agg(h.success_duration_histogram) as "successHistograms",
            json_agg(h.ttft_histogram) as "ttftHistograms"
       from public.ai_usage_hourly h
      where ${where.join(' and ')}
      group by h.arm, h.served_arm
      order by h.arm nulls last, h.served_arm nulls last`,
    params,
  );
  return result.rows;
}
