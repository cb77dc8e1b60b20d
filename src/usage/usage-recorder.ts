/**
 * The usage recorder: turns each ended upstream attempt into a ledger row (buckets, where they
 * came from, the price rows in force at its start and the exact cost) and queues it on the
 * batched writer. Per attempt it does a little arithmetic and pushes one plain object; estimates
 * (tokenizer) run off the request path.
 *
 * Ended attempts are settled in batches, once per event-loop turn (`setImmediate`), not one by one
 * inside each response: the ledger's code then runs warm, for every attempt that ended in the turn,
 * instead of cold between each request's own work. A traced attempt settles at once (its span ends
 * with it, inside the request's span). Whatever reads the others' effect settles them first:
 * `stats`, `flush`, `close`, and governance admission (`settleEnded`, so that a budget sees the
 * previous call's cost). An HTTP client's next request is read in a later turn than its previous
 * response was written, after the batch.
 *
 * @module
 */
import type { UsageRowInsert } from '../db/sql/usage.js';
import { errorMessage } from '../errors.js';
import type { UsageBuckets } from '../providers/spec/index.js';
import type { PriceBook } from '../registry/price-book.js';
import { quoteCost, type CostQuote } from './cost.js';
import { picoToDecimal } from './money.js';
import { UsageAttempt, zeroBuckets, type AttemptCaller, type AttemptOutcome, type UsageEndpoint } from './usage-attempt.js';
import type { ModelEntry, ProviderEntry } from '../registry/provider-registry.js';
import type { UsageObserver } from './usage-observer.js';
import type { UsageLog, UsageWriter, UsageWriterStats } from './usage-writer.js';

export interface UsageRecorderOptions {
  /** Where rows go; without one nothing is written (the attempts are only observed, e.g. traced). */
  writer?: UsageWriter | undefined;
  /** The price history of the current config snapshot. */
  prices: () => PriceBook;
  /**
   * The database's clock minus this instance's, ms (the governor's measure; default 0): a price
   * row's `effective_from` is the database's time, so an attempt is priced at its start by that clock.
   */
  clockOffsetMs?: () => number;
  log?: UsageLog;
  /** Also watch every attempt (e.g. the tracer). */
  observers?: readonly UsageObserver[];
  /** Told of every row the writer is given, with its cost in pico-USD (the /metrics counters). */
  onRow?: ((row: UsageRowInsert, costPico: bigint | null) => void) | undefined;
}

/** The recorder's counters: the writer's, plus requests recorded with an unknown cost. */
export interface UsageStats extends UsageWriterStats {
  /** Rows recorded with cost null (no price), by public model name. */
  unpriced: ReadonlyMap<string, number>;
  /** Rows whose usage was estimated with the tokenizer. */
  estimated: number;
}

const noOffset = (): number => 0;

/** The largest cost `ai_usage.cost_usd` (numeric(30,12)) holds, in pico-USD: $10^18 less a pico-USD. */
const maxLedgerCostPico = 10n ** 30n - 1n;

/** The writer counters of a recorder that writes nothing. */
const idleWriterStats: UsageWriterStats = { buffered: 0, written: 0, dropped: { buffer_full: 0, shutdown: 0, invalid: 0 }, failedFlushes: 0 };

export class UsageRecorder {
  readonly #writer: UsageWriter | undefined;
  readonly #observers: readonly UsageObserver[] | undefined;
  readonly #prices: () => PriceBook;
  readonly #clockOffsetMs: () => number;
  readonly #log: UsageLog;
  readonly #onRow: UsageRecorderOptions['onRow'];
  readonly #pending = new Set<Promise<void>>();
  readonly #unpriced = new Map<string, number>();
  readonly #sink = (attempt: UsageAttempt, outcome: AttemptOutcome): void => this.#defer(attempt, outcome);
  /** Attempts ended since the last batch, not priced and queued yet (see `#defer`). */
  #ended: [UsageAttempt, AttemptOutcome][] = [];
  readonly #settleEnded = (): void => this.settleEnded();
  #estimated = 0;

  constructor(options: UsageRecorderOptions) {
    this.#writer = options.writer;
    this.#prices = options.prices;
    this.#clockOffsetMs = options.clockOffsetMs ?? noOffset;
    this.#log = options.log ?? (() => {});
    this.#onRow = options.onRow;
    this.#observers = options.observers !== undefined && options.observers.length > 0 ? options.observers : undefined;
  }

  /** Whether rows are written to a ledger (false: attempts are only observed). */
  get writes(): boolean {
    return this.#writer !== undefined;
  }

  /** Starts timing one upstream attempt of a resolved model. */
  begin(caller: AttemptCaller, requestedModel: string, endpoint: UsageEndpoint, streamed: boolean, model: ModelEntry, provider: ProviderEntry): UsageAttempt {
    const attempt = new UsageAttempt(caller, requestedModel, endpoint, streamed, model, provider, this.#sink);
    if (this.#observers !== undefined) observe(attempt, this.#observers);
    return attempt;
  }

  /**
   * A cost past `cost_usd`'s range (a price written with SQL: 1e300 per million tokens): the
   * database would refuse the row and the attempt's tokens would be lost, so it is recorded with an
   * unknown cost, as with an unusable price, and logged.
   */
  #unrecordable(attempt: UsageAttempt, quote: CostQuote): null {
    const rows = [quote.priceId, quote.providerPriceId].filter((id) => id !== null).join(', ');
    this.#log('warn', `usage ledger: the cost of a call to '${attempt.model.name}' at price history row(s) ${rows} is past what the ledger holds ($10^18); it is recorded as unknown`);
    return null;
  }

  /** Queues a row that names no model (a refused name): nothing to price, observe or count in /metrics. */
  recordUnserved(row: UsageRowInsert): void {
    this.#writer?.push(row);
  }

  stats(): UsageStats {
    this.settleEnded();
    return { ...(this.#writer?.stats() ?? idleWriterStats), unpriced: new Map(this.#unpriced), estimated: this.#estimated };
  }

  /** Writes everything recorded so far (estimates included). */
  async flush(): Promise<void> {
    this.settleEnded();
    await Promise.all(this.#pending);
    await this.#writer?.flush();
  }

  /** Waits for estimates in progress, then flushes and stops the writer. */
  async close(): Promise<void> {
    this.settleEnded();
    await Promise.all(this.#pending);
    await this.#writer?.close();
  }

  /**
   * Prices and queues every attempt ended so far (their rows, costs, counters and governance
   * settlements). A failure is logged with the attempt's request id and never reaches the request
   * that ended it, nor stops the others.
   */
  settleEnded(): void {
    const ended = this.#ended;
    if (ended.length === 0) return;
    this.#ended = [];
    for (const [attempt, outcome] of ended) this.#settleLogged(attempt, outcome);
  }

  /** Queues an ended attempt for the turn's batch; an observed one (traced) settles at once, its span ends with it. */
  #defer(attempt: UsageAttempt, outcome: AttemptOutcome): void {
    if (attempt.observations !== undefined) this.#settleLogged(attempt, outcome);
    else if (this.#ended.push([attempt, outcome]) === 1) setImmediate(this.#settleEnded);
  }

  #settleLogged(attempt: UsageAttempt, outcome: AttemptOutcome): void {
    try {
      this.#settle(attempt, outcome);
    } catch (error) {
      this.#log('error', `usage ledger: the row of request '${attempt.caller.requestId}' could not be recorded: ${errorMessage(error)}`);
    }
  }

  #settle(attempt: UsageAttempt, outcome: AttemptOutcome): void {
    const usage = outcome.usage;
    const buckets = usage?.buckets;
    if (buckets && (usage.totalTokens > 0 || !outcome.estimate)) {
      this.#push(attempt, attempt.row(buckets, 'provider', usage.raw, outcome), buckets);
      return;
    }
    if (!outcome.estimate) {
      this.#push(attempt, attempt.row(undefined, 'none', null, outcome), zeroBuckets);
      return;
    }
    const estimating = outcome
      .estimate()
      .then((estimated) => {
        this.#estimated += 1;
        this.#push(attempt, attempt.row(estimated, 'estimated', usage?.raw ?? null, outcome), estimated);
      })
      .catch((error: unknown) => {
        this.#log('error', `usage ledger: estimating tokens failed; recorded without usage: ${errorMessage(error)}`);
        this.#push(attempt, attempt.row(undefined, 'none', null, outcome), zeroBuckets);
      })
      .finally(() => this.#pending.delete(estimating));
    this.#pending.add(estimating);
  }

  /** Prices `row` (whose usage is `buckets`), hands its cost to governance and queues it. */
  #push(attempt: UsageAttempt, row: UsageRowInsert, buckets: UsageBuckets): void {
    const quote = quoteCost(
      this.#prices(),
      { modelId: attempt.model.id, providerId: attempt.provider.id, anthropic: attempt.provider.className === 'AnthropicProvider' },
      buckets,
      attempt.startedAt + this.#clockOffsetMs(),
    );
    row.priceId = quote.priceId;
    row.providerPriceId = quote.providerPriceId;
    const recorded = quote.costPico !== null && quote.costPico > maxLedgerCostPico ? this.#unrecordable(attempt, quote) : quote.costPico;
    if (recorded === null) {
      this.#unpriced.set(attempt.model.name, (this.#unpriced.get(attempt.model.name) ?? 0) + 1);
    } else {
      row.costUsd = picoToDecimal(recorded);
    }
    // Budgets are charged such a cost at the ledger's bound (more than any limit_usd): the lease
    // store's counters (numeric(38,0) pico-USD) refuse it whole, and with it every exchange of this instance.
    const charged = quote.costPico !== null && quote.costPico > maxLedgerCostPico ? maxLedgerCostPico : quote.costPico;
    attempt.onCost?.(charged, row.inputTokens + row.cachedInputTokens + row.cacheWrite5mTokens + row.cacheWrite1hTokens + row.outputTokens + row.reasoningTokens);
    if (attempt.observations !== undefined) {
      for (const observation of attempt.observations) observation.end(attempt, row);
    }
    if (this.#writer === undefined) return;
    this.#onRow?.(row, recorded);
    this.#writer.push(row);
  }
}

/** Lets each observer watch `attempt` and collects the upstream headers they ask for. */
function observe(attempt: UsageAttempt, observers: readonly UsageObserver[]): void {
  for (const observer of observers) {
    const observation = observer.begin(attempt);
    if (observation === undefined) continue;
    (attempt.observations ??= []).push(observation);
    if (observation.headers !== undefined) attempt.upstreamHeaders = { ...attempt.upstreamHeaders, ...observation.headers };
  }
}
