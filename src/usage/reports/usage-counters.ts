/**
 * In-process spend, token and web search counters per project and model, fed with every ledger row as it is
 * recorded (before it is written), exported on /metrics. Spend is summed exactly in pico-USD. Labels
 * are the project name and the served model name only; both come from configuration rows, and a cap
 * on the number of series folds anything beyond it into `_other`, so clients cannot grow them.
 *
 * @module
 */
import type { UsageRowInsert } from '../../db/sql/usage.js';

/** The token buckets of a ledger row, as counted. */
export const TOKEN_BUCKETS = ['input', 'cached_input', 'cache_write_5m', 'cache_write_1h', 'output', 'reasoning'] as const;
export type TokenBucket = (typeof TOKEN_BUCKETS)[number];

/** What one recorded ledger row contributes. */
export interface UsageCounterSample {
  /** Project name ('' for a library call without a project). */
  project: string;
  /** Served model name ('' when none resolved). */
  model: string;
  /** Tokens per bucket. */
  tokens: Readonly<Record<TokenBucket, number>>;
  /** Cost in pico-USD, or null when the price is unknown. */
  costPico: bigint | null;
  /** Server-side web searches the vendor billed. */
  webSearchCalls: number;
}

/** The fields of a ledger row the counters read (the recorder's row object has them). */
export type CountedRow = Pick<
  UsageRowInsert,
  'projectId' | 'modelName' | 'inputTokens' | 'cachedInputTokens' | 'cacheWrite5mTokens' | 'cacheWrite1hTokens' | 'outputTokens' | 'reasoningTokens' | 'webSearchCalls'
>;

/**
 * Counts one recorded ledger row of cost `costPico` (the recorder's `onRow` hook).
 * `projectName` maps a project id to its name (falls back to the id; '' without a project).
 */
export function countUsageRow(
  counters: UsageCounters,
  row: CountedRow,
  costPico: bigint | null,
  projectName: (projectId: string) => string | undefined,
): void {
  counters.record({
    project: row.projectId === null ? '' : (projectName(row.projectId) ?? row.projectId),
    model: row.modelName ?? '',
    tokens: {
      input: row.inputTokens,
      cached_input: row.cachedInputTokens,
      cache_write_5m: row.cacheWrite5mTokens,
      cache_write_1h: row.cacheWrite1hTokens,
      output: row.outputTokens,
      reasoning: row.reasoningTokens,
    },
    costPico,
    webSearchCalls: row.webSearchCalls,
  });
}

/** One exported series: spend (pico-USD), tokens and web searches of a project and model. */
export interface UsageSeries {
  project: string;
  model: string;
  costPico: bigint;
  tokens: Record<TokenBucket, number>;
  webSearchCalls: number;
}

const OTHER = '_other';

/** Spend and token counters (one per process; no module state). */
export class UsageCounters {
  readonly #series = new Map<string, UsageSeries>();
  readonly #maxSeries: number;
  /** The series counted last: consecutive rows mostly share one, found without building its key. */
  #last: UsageSeries | undefined;

  /** `maxSeries`: distinct (project, model) pairs kept apart before folding into `_other`. */
  constructor(maxSeries = 2_000) {
    this.#maxSeries = maxSeries;
  }

  /** Counts one ledger row. */
  record(sample: UsageCounterSample): void {
    const series = this.#seriesOf(sample.project, sample.model);
    for (const bucket of TOKEN_BUCKETS) series.tokens[bucket] += sample.tokens[bucket];
    if (sample.costPico !== null) series.costPico += sample.costPico;
    series.webSearchCalls += sample.webSearchCalls;
  }

  /** The series counted so far. */
  series(): readonly UsageSeries[] {
    return [...this.#series.values()];
  }

  #seriesOf(project: string, model: string): UsageSeries {
    const last = this.#last;
    if (last !== undefined && last.project === project && last.model === model) return last;
    return (this.#last = this.#find(project, model));
  }

  #find(project: string, model: string): UsageSeries {
    let key = `${project}\u0000${model}`;
    let series = this.#series.get(key);
    if (series) return series;
    if (this.#series.size >= this.#maxSeries) {
      key = `${OTHER}\u0000${OTHER}`;
      series = this.#series.get(key);
      if (series) return series;
      [project, model] = [OTHER, OTHER];
    }
    series = { project, model, costPico: 0n, tokens: { input: 0, cached_input: 0, cache_write_5m: 0, cache_write_1h: 0, output: 0, reasoning: 0 }, webSearchCalls: 0 };
    this.#series.set(key, series);
    return series;
  }
}
