/**
 * The governor: one admission per call. Model access first (403 `model_not_allowed`), then a
 * reservation of the call's worst case against every budget and rate limit that applies, taken
 * from this instance's leases (no database round trip while a lease has room); `LeaseSync` refills,
 * reports and returns leases in small transactions off the request path.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db.js';
import { readConsistently } from '../db/sql/config-version.js';
import { selectBudgets, selectModelAccess, selectRateLimits, selectRulesVersion, type CounterMetric } from '../db/sql/governance.js';
import { errorMessage, SwitchboardError } from '../errors.js';
import type { PriceBook } from '../registry/price-book.js';
import type { UsageBuckets } from '../providers/spec/index.js';
import { quoteWorstCost } from '../usage/cost.js';
import { AdmissionTicket, budgetWarning, openTicket, type Hold, type Ticket } from './admission-ticket.js';
import { AdmissionWait } from './admission-wait.js';
import { DatabaseClock } from './database-clock.js';
import { TIER_MARGIN } from './estimate-call.js';
import { GovernanceError } from './governance-error.js';
import { governanceMetricsText } from './governance-metrics.js';
import { GovernanceRules, type ApplicableRules, type BudgetRule, type RateLimitRule } from './governance-rules.js';
import { defaultGovernanceSettings, type GovernanceSettings } from './governance-settings.js';
import type { AdmitRequest, GovernorLog, GovernorOptions, TokenEstimate } from './governor-types.js';
import { LeaseCounter } from './lease-counter.js';
import { exchangeDeadlineMs, LeaseSync } from './lease-sync.js';
import { redisLeaseStore } from './lease-store.js';
import { unpricedError } from './refusal-errors.js';

export type { AdmitRequest, GovernorLog, GovernorOptions, TokenEstimate, WebSearchBound } from './governor-types.js';

/** The estimate of a call no token limit or budget applies to. */
const noTokens: TokenEstimate = { inputTokens: 0, outputTokens: 0 };

export class Governor {
  readonly instanceId: string;
  readonly settings: GovernanceSettings;
  readonly #db: Db;
  readonly #prices: () => PriceBook;
  readonly #log: GovernorLog;
  readonly #now: () => number;
  /** The database's clock (offset from `#now`), measured on the rules' reads and the lease exchanges. */
  readonly #clock = new DatabaseClock();
  readonly #counters = new Map<string, LeaseCounter>();
  readonly #sync: LeaseSync;
  /** Admissions that must wait on the store (a lease without room). */
  readonly #wait: AdmissionWait;
  readonly #warned = new Set<string>();
  readonly #onWarn = (counter: LeaseCounter): void => this.#warnOnce(counter);
  /** Each rule's counters by metric: found without building the counter's key (rules are rebuilt on reload). */
  readonly #byRule = new WeakMap<BudgetRule | RateLimitRule, Partial<Record<CounterMetric, LeaseCounter>>>();
  #rules = GovernanceRules.empty();
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;
  #rulesVersion: number | undefined;
  /** Refusals by code, for /metrics. */
  readonly refusals = new Map<string, number>();

  constructor(options: GovernorOptions) {
    this.#db = options.db;
    this.#prices = options.prices;
    this.#log = options.log ?? (() => {});
    this.#now = options.now ?? (() => Date.now());
    this.settings = { ...defaultGovernanceSettings, ...options.settings };
    this.instanceId = options.instanceId ?? randomUUID();
    // Lease rows are `<instance>/<holder>` within 100 characters (LeaseCounter.holder).
    if (this.instanceId.length === 0 || this.instanceId.length > 86) throw new SwitchboardError('invalid_request', 'governance: instanceId must be 1 to 86 characters');
    this.#sync = new LeaseSync(options.db, this.instanceId, this.settings, this.#counters, this.#log, this.#clock, this.#now);
    this.#wait = new AdmissionWait({
      settings: this.settings,
      sync: this.#sync,
      clock: this.#clock,
      log: this.#log,
      now: this.#now,
      refuse: (error, cause) => this.#refuse(error, cause),
      onWarn: this.#onWarn,
    });
  }

  /** The database's clock minus this instance's, ms, as last measured (0 before the rules are read). */
  get clockOffsetMs(): number {
    return this.#clock.offsetMs;
  }

  get rules(): GovernanceRules {
    return this.#rules;
  }

  /** Loads the rules and starts the background exchanges. */
  async start(): Promise<void> {
    if (this.settings.redisUrl !== undefined) this.#sync.redis = await redisLeaseStore(this.settings.redisUrl, exchangeDeadlineMs(this.settings));
    await this.reload();
    this.#sync.start();
  }

  /**
   * The configuration version read before the rules in force were loaded: they hold every change up
   * to it. Undefined until a load succeeds. Behind the watcher's version after a failed reload
   * (`RulesFollower` retries).
   */
  get rulesVersion(): number | undefined {
    return this.#rulesVersion;
  }

  /** Reloads the rules from the database (after a config change); coalesces concurrent calls. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      do {
        this.#reloadAgain = false;
        try {
          // The version and the rules in one read-only snapshot: a transaction committing between
          // two of the reads (a budget and its model access written together) is seen whole or not at
          // all, and the version recorded is exactly the one the rules hold.
          const { version, budgets, rateLimits, access } = await readConsistently(this.#db, async (tx) => {
            const sentAt = this.#now();
            const read = await selectRulesVersion(tx);
            this.#clock.sample(read.databaseNow.getTime(), sentAt, this.#now());
            const [budgetRows, limitRows, accessRows] = await Promise.all([selectBudgets(tx), selectRateLimits(tx), selectModelAccess(tx)]);
            return { version: read.version, budgets: budgetRows, rateLimits: limitRows, access: accessRows };
          });
          this.#swap(new GovernanceRules(budgets, rateLimits, access, (message) => this.#log('warn', message)));
          this.#rulesVersion = version;
        } catch (error) {
          this.#log('error', `governance: reloading budgets, rate limits and model access failed; keeping the last rules: ${errorMessage(error)}`);
        }
      } while (this.#reloadAgain);
    })().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  /** Whether the key may call `publicName` (its project's and its own allow-lists). */
  allows(projectId: string | undefined, apiKeyId: string | undefined, publicName: string): boolean {
    return this.#rules.allows(projectId, apiKeyId, publicName);
  }

  /**
   * Admits one call or refuses it (`GovernanceError`): access first, then the worst case reserved
   * from every budget and rate limit that applies. Settle the ticket with the actual cost.
   *
   * Synchronous (a ticket, or a thrown refusal) when the estimate needs no tokenizer and every
   * reservation fits the leases this instance holds, which is the common case; a promise when it
   * must wait on the tokenizer or on an exchange with the store.
   */
  admit(request: AdmitRequest): Ticket | Promise<Ticket> {
    const rules = this.#rules;
    if (!rules.allows(request.projectId, request.apiKeyId, request.publicName)) {
      throw this.#refuse(new GovernanceError('model_not_allowed', `This API key is not allowed to call '${request.publicName}'.`, { param: 'model' }));
    }
    const now = this.#now();
    // Fixed windows by the database's clock (counters' periods are on it already).
    const applicable = rules.applicable(request.projectId, request.apiKeyId, request.publicName, now + this.#clock.offsetMs);
    if (request.requestsOnly === true) return this.#reserveRequests(request, applicable, now);
    if (applicable.budgets.length === 0 && applicable.rateLimits.length === 0) return openTicket;
    const needsTokens = applicable.budgets.length > 0 || applicable.rateLimits.some((rule) => rule.tokensPerMinute !== undefined);
    if (!needsTokens) return this.#reserveAll(request, applicable, noTokens, now);
    const estimate = request.estimate();
    if (estimate instanceof Promise) return estimate.then((tokens) => this.#reserveAll(request, applicable, tokens, now));
    return this.#reserveAll(request, applicable, estimate, now);
  }

  /** Reserves every hold the call needs; continues asynchronously from the first that does not fit. */
  #reserveAll(request: AdmitRequest, applicable: ApplicableRules, estimate: TokenEstimate, now: number): Ticket | Promise<Ticket> {
    const wanted: Hold[] = [];
    for (const rule of applicable.rateLimits) {
      if (rule.requestsPerMinute !== undefined) wanted.push(this.#requestHold(rule, request, now));
      if (rule.tokensPerMinute !== undefined) {
        wanted.push({ counter: this.#counter(rule, 'tokens', now), amount: BigInt(estimate.inputTokens + estimate.outputTokens) });
      }
    }
    if (applicable.budgets.length > 0) {
      const cost = this.#worstCost(request, estimate, now);
      // No price in force: the call costs 0 against every budget, unless one of them refuses it.
      if (cost === null) this.#refuseUnpriced(request, applicable.budgets);
      for (const rule of applicable.budgets) wanted.push({ counter: this.#counter(rule, 'usd_pico', now), amount: cost ?? 0n });
    }
    return this.#take(wanted, now);
  }

  /** Throws 403 `model_not_allowed` when a budget that applies refuses calls to unpriced models (nothing is reserved yet). */
  #refuseUnpriced(request: AdmitRequest, budgets: readonly BudgetRule[]): void {
    const rule = budgets.find((budget) => budget.unpriced === 'refuse');
    if (rule === undefined) return;
    throw this.#refuse(unpricedError(rule, request.model.name, request.publicName));
  }

  /** One request from each requests-per-minute limit that applies (`AdmitRequest.requestsOnly`). */
  #reserveRequests(request: AdmitRequest, applicable: ApplicableRules, now: number): Ticket | Promise<Ticket> {
    const wanted: Hold[] = [];
    for (const rule of applicable.rateLimits) {
      if (rule.requestsPerMinute !== undefined) wanted.push(this.#requestHold(rule, request, now));
    }
    return wanted.length === 0 ? openTicket : this.#take(wanted, now);
  }

  /** An uncounted attempt holds 0 requests: nothing is reserved, but its answer shows the limit's headers. */
  #requestHold(rule: RateLimitRule, request: AdmitRequest, now: number): Hold {
    return { counter: this.#counter(rule, 'requests', now), amount: request.countRequest === false ? 0n : 1n };
  }

  /** Takes `wanted` from the leases this instance holds; continues asynchronously from the first that does not fit. */
  #take(wanted: Hold[], now: number): Ticket | Promise<Ticket> {
    let low: LeaseCounter[] | undefined;
    for (let index = 0; index < wanted.length; index += 1) {
      const { counter, amount } = wanted[index] as Hold;
      if (amount === 0n && counter.metric === 'requests') continue;
      const free = counter.reserveFree(amount);
      if (free === undefined) {
        if (low) this.#sync.prefetch(low);
        return this.#wait.reserveFrom(wanted, index, now);
      }
      counter.lastUsed = now;
      if (free < counter.lowWater) (low ??= []).push(counter);
    }
    // Counters running low are topped up together, in one exchange the call does not wait for.
    if (low) this.#sync.prefetch(low);
    return new AdmissionTicket(wanted, this.#onWarn, this.#now);
  }

  /** Returns every lease (reporting what was consumed) and stops the background exchanges. */
  async close(): Promise<void> {
    await this.#sync.close();
  }

  /**
   * Stops the background exchanges WITHOUT returning leases or reporting anything: what a crash
   * does (the leases expire and are charged whole). For tests and drills.
   */
  halt(): void {
    this.#sync.halt();
  }

  /** Prometheus lines: this instance's view of each counter it holds, and refusals. */
  metricsText(): string {
    return governanceMetricsText([...this.#counters.values()], this.refusals);
  }

  #swap(rules: GovernanceRules): void {
    // Counters whose rule changed or disappeared return their lease and start afresh, so a lowered
    // limit applies at once instead of after the leases held under the old one run out.
    this.#rules = rules;
    const current = new Map<string, string>();
    for (const rule of rulesOf(rules)) current.set(rule.id, rule.fingerprint);
    for (const [key, counter] of this.#counters) {
      if (current.get(counter.rule.id) !== counter.rule.fingerprint) {
        this.#counters.delete(key);
        this.#sync.retire(counter);
      }
    }
  }

  #counter(rule: BudgetRule | RateLimitRule, metric: CounterMetric, now: number): LeaseCounter {
    let slots = this.#byRule.get(rule);
    const known = slots?.[metric];
    if (known !== undefined && !known.retired && !known.expired(now)) return known;
    const key = `${rule.id}:${metric}`;
    let counter = this.#counters.get(key);
    // A changed rule or an ended period starts a new counter; the old one returns its lease once
    // its calls in flight have settled. (A reloaded but unchanged rule keeps its lease.)
    if (counter && (counter.rule.fingerprint !== rule.fingerprint || counter.expired(now))) {
      this.#counters.delete(key);
      this.#sync.retire(counter);
      counter = undefined;
    }
    if (!counter) {
      counter = new LeaseCounter(key, rule, metric, chunkOf(rule, metric, this.settings.leaseFraction));
      this.#counters.set(key, counter);
    }
    if (slots === undefined) this.#byRule.set(rule, (slots = {}));
    slots[metric] = counter;
    return counter;
  }

  #refuse(error: GovernanceError, cause?: unknown): GovernanceError {
    this.refusals.set(error.code, (this.refusals.get(error.code) ?? 0) + 1);
    if (cause !== undefined) this.#log('warn', `governance: ${error.message}: ${errorMessage(cause)}`);
    return error;
  }

  /**
   * The call's worst case in pico-USD at the prices in force at `now` by the database's clock (a
   * price row's `effective_from` is its time), its output at the higher of the output and reasoning
   * rates; null when the model has no price in force.
   */
  #worstCost(request: AdmitRequest, estimate: TokenEstimate, now: number): bigint | null {
    const buckets: UsageBuckets = { input: estimate.inputTokens, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: estimate.outputTokens, reasoning: 0 };
    // Searches at `web_search_per_call` (model key over provider key), as the ledger prices them.
    const searches = estimate.webSearches;
    if (searches !== undefined) buckets.webSearchCalls = searches.capped + (searches.uncapped ? this.settings.webSearchReserve : 0);
    const model = { modelId: request.model.id, providerId: request.provider.id, anthropic: request.provider.className === 'AnthropicProvider' };
    // A long-prompt tier by the estimate with its margin (the vendor's tokenizer decides the tier).
    return quoteWorstCost(this.#prices(), model, buckets, now + this.#clock.offsetMs, Math.ceil(estimate.inputTokens * TIER_MARGIN));
  }

  #warnOnce(counter: LeaseCounter): void {
    const key = `${counter.key}@${counter.periodEnd}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#log('warn', `governance: ${budgetWarning(counter) ?? `budget '${counter.rule.name}' passed its soft threshold`}`, {
      budget: counter.rule.name,
    });
  }
}

function rulesOf(rules: GovernanceRules): (BudgetRule | RateLimitRule)[] {
  return rules.all();
}

function chunkOf(rule: BudgetRule | RateLimitRule, metric: CounterMetric, fraction: number): bigint {
  const limit = rule.kind === 'budget' ? rule.limitPico : metric === 'requests' ? (rule.requestsPerMinute ?? 0n) : (rule.tokensPerMinute ?? 0n);
  const scaled = (limit * BigInt(Math.round(fraction * 1_000_000))) / 1_000_000n;
  return scaled > 0n ? scaled : 1n;
}
