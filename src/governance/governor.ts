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
import type { ModelEntry, ProviderEntry } from '../registry/provider-registry.js';
import type { PriceBook } from '../registry/price-book.js';
import type { UsageBuckets } from '../providers/spec/index.js';
import { quoteWorstCost } from '../usage/cost.js';
import { AdmissionTicket, budgetWarning, holdHeaders, openTicket, type Hold, type Ticket } from './admission-ticket.js';
import { DatabaseClock } from './database-clock.js';
import { picoToUsd } from './decimal-to-pico.js';
import { describeReset } from './format-reset.js';
import { GovernanceError } from './governance-error.js';
import { GovernanceRules, type ApplicableRules, type BudgetRule, type RateLimitRule } from './governance-rules.js';
import { defaultGovernanceSettings, type GovernanceSettings } from './governance-settings.js';
import { LeaseCounter } from './lease-counter.js';
import { exchangeDeadlineMs, LeaseSync } from './lease-sync.js';
import { MAX_SYNC_ITEMS, redisLeaseStore } from './lease-store.js';
import { escapeLabel } from '../metrics-label.js';

/** A call's worst case in tokens: its input (tokenizer) and the most it may generate. */
export interface TokenEstimate {
  inputTokens: number;
  outputTokens: number;
  /** The server-side web searches it may run, when it carries a web search tool (estimate-call.ts). */
  webSearches?: WebSearchBound;
}

/** The web searches a call's web search tools may run (each billed at `web_search_per_call`). */
export interface WebSearchBound {
  /** Searches the request's own caps allow (Anthropic's `max_uses`, the Responses API's `max_tool_calls`). */
  capped: number;
  /** Some search tool has no cap: `GovernanceSettings.webSearchReserve` more are reserved. */
  uncapped: boolean;
}

export interface AdmitRequest {
  projectId: string | undefined;
  apiKeyId: string | undefined;
  /** The public name the client sent (a model, or later a route). */
  publicName: string;
  model: ModelEntry;
  provider: ProviderEntry;
  /** The worst case; only called when a budget or a token limit applies (a promise when it needs the tokenizer). */
  estimate: () => TokenEstimate | Promise<TokenEstimate>;
  /**
   * Whether this call is one more request against requests-per-minute limits (default true). A
   * route's fallback or retry attempt passes false: its client request was counted by its first
   * admitted attempt. Tokens and budgets are reserved for every attempt.
   */
  countRequest?: boolean;
  /**
   * Only one request against requests-per-minute limits: no tokens, no budget (a call that
   * generates nothing and costs nothing, such as counting tokens). Default false.
   */
  requestsOnly?: boolean;
}

/** The estimate of a call no token limit or budget applies to. */
const noTokens: TokenEstimate = { inputTokens: 0, outputTokens: 0 };

export type GovernorLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface GovernorOptions {
  db: Db;
  prices: () => PriceBook;
  settings?: Partial<GovernanceSettings>;
  log?: GovernorLog;
  /** This instance's id in lease rows, at most 86 characters (default: a random UUID). */
  instanceId?: string;
  /**
   * The instance's clock, epoch ms (default `Date.now`). Periods and fixed windows follow the
   * database's clock: its offset from this one is measured on the statements the governor runs.
   */
  now?: () => number;
}

/** A wait on lease exchanges that passed `SWITCHBOARD_GOVERNANCE_TIMEOUT_MS`. */
class ExchangeTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the lease exchange did not answer within ${timeoutMs} ms (SWITCHBOARD_GOVERNANCE_TIMEOUT_MS)`);
  }
}

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
  readonly #warned = new Set<string>();
  readonly #onWarn = (counter: LeaseCounter): void => this.#warnOnce(counter);
  /** Each rule's counters by metric: found without building the counter's key (rules are rebuilt on reload). */
  readonly #byRule = new WeakMap<BudgetRule | RateLimitRule, Partial<Record<CounterMetric, LeaseCounter>>>();
  #rules = GovernanceRules.empty();
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;
  #rulesVersion: number | undefined;
  /** When a call was last admitted unmetered after a slow exchange was logged (instance ms). */
  #slowLoggedAt = Number.NEGATIVE_INFINITY;
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
    const model = request.model.name;
    const via = model === request.publicName ? '' : ` (served for '${request.publicName}')`;
    throw this.#refuse(
      new GovernanceError(
        'model_not_allowed',
        `Budget '${rule.name}' refuses calls to models with no price: '${model}'${via} has no price in force, so its cost cannot be counted against the budget.`,
        { param: 'model', unpriced: true },
      ),
    );
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
        return this.#reserveFrom(wanted, index, now);
      }
      counter.lastUsed = now;
      if (free < counter.lowWater) (low ??= []).push(counter);
    }
    // Counters running low are topped up together, in one exchange the call does not wait for.
    if (low) this.#sync.prefetch(low);
    return new AdmissionTicket(wanted, this.#onWarn, this.#now);
  }

  /**
   * Reserves `wanted` from `from` on (the holds before it are taken). The leases without room are
   * refilled together, in one exchange (the store batches past 1,000 counters), not one exchange
   * per counter; the call waits at most `timeoutMs` for it (per 1,000 counters).
   */
  async #reserveFrom(wanted: readonly Hold[], from: number, now: number): Promise<Ticket> {
    const taken: Hold[] = wanted.slice(0, from);
    const short: Hold[] = [];
    const low: LeaseCounter[] = [];
    // A hold refused without asking: the call is refused, by it or by a hold before it that an
    // exchange cannot make room for (refusals name the first limit in order, as one by one).
    let refusedLately: Hold | undefined;
    try {
      for (let index = from; index < wanted.length; index += 1) {
        const hold = wanted[index] as Hold;
        const { counter, amount } = hold;
        if (amount === 0n && counter.metric === 'requests') continue;
        counter.lastUsed = now;
        const free = counter.reserveFree(amount);
        if (free !== undefined) {
          taken.push(hold);
          if (free < counter.lowWater) low.push(counter);
        } else if (this.#refusedLately(counter, amount)) {
          refusedLately = hold;
          break;
        } else short.push(hold);
      }
      // Topped up in the background meanwhile (the refill below is for the others).
      if (low.length > 0) this.#sync.prefetch(low);
      const refused = (short.length > 0 ? await this.#refill(short, taken) : undefined) ?? refusedLately;
      if (refused !== undefined) throw this.#refuse(this.#overLimit(refused.counter, refused.amount));
    } catch (error) {
      for (const hold of taken) hold.counter.settle(hold.amount, 0n);
      throw error;
    }
    return new AdmissionTicket(wanted, this.#onWarn, this.#now);
  }

  /**
   * The last exchange (less than a sync interval ago) left no room for this much: refused without
   * asking again, so a burst past the limit costs no statement per refusal.
   */
  #refusedLately(counter: LeaseCounter, amount: bigint): boolean {
    return counter.limit !== null && counter.leaseId !== null && this.#now() - counter.renewedAt < this.settings.syncMs && counter.unleased() + counter.free < amount;
  }

  /**
   * Waits (at most `timeoutMs` in all, per 1,000 counters) until each of `short` is reserved:
   * exchanges already in flight on some of them first, then one exchange of this call's own for the
   * rest. A hold that an exchange of its own cannot make room for is refused (waiting for others'
   * exchanges and losing the room they brought to concurrent calls is no reason to refuse), and so
   * is one that another's exchange showed cannot fit (`#refusedLately`, as for a call arriving now).
   * Reserved holds join `taken`. Returns the first of `short` (in order) that is refused, if any.
   */
  async #refill(short: readonly Hold[], taken: Hold[]): Promise<Hold | undefined> {
    // The bound is per statement: past 1,000 counters the store sends its batches one after the other.
    const timeoutMs = this.settings.timeoutMs * Math.max(1, Math.ceil(short.length / MAX_SYNC_ITEMS));
    const deadline = performance.now() + timeoutMs;
    const order = new Map(short.map((hold, index) => [hold, index]));
    const before = (hold: Hold, other: Hold): boolean => (order.get(hold) ?? 0) < (order.get(other) ?? 0);
    let refused: Hold | undefined;
    let waiting = short;
    while (waiting.length > 0) {
      const busy = waiting.filter((hold) => hold.counter.syncing !== undefined);
      const idle = waiting.filter((hold) => hold.counter.syncing === undefined);
      const own = idle.length > 0 ? this.#sync.refill(idle.map((hold) => hold.counter), idle.map((hold) => hold.amount)) : undefined;
      try {
        await beforeDeadline(Promise.all([own, ...busy.map((hold) => hold.counter.syncing)]), deadline, timeoutMs);
      } catch (error) {
        this.#unavailable(waiting, taken, error);
        return refused;
      }
      const refilled = new Set(idle);
      const next: Hold[] = [];
      for (const hold of waiting) {
        const { counter, amount } = hold;
        if (counter.tryReserve(amount)) taken.push(hold);
        else if (!refilled.has(hold)) {
          // Another call's exchange answered: refused as a call arriving now would be, when it left no
          // room for this much (else a burst at the limit runs one exchange per call, one by one).
          if (!this.#refusedLately(counter, amount)) next.push(hold);
          else if (refused === undefined || before(hold, refused)) refused = hold;
        } else if (counter.limit === null && counter.leaseId === null) {
          // The limit is no longer in force (removed meanwhile): nothing to enforce.
          counter.reserved += amount;
          taken.push(hold);
        } else if (refused === undefined || before(hold, refused)) refused = hold;
      }
      // Once one is refused, only the holds before it can change which refusal the call gets.
      const first = refused;
      waiting = first === undefined ? next : next.filter((hold) => before(hold, first));
    }
    return refused;
  }

  /**
   * The store failed or did not answer within `timeoutMs` while `holds` waited: refused with 503
   * (fail closed), or reserved unmetered, to be reported at the next exchange that works (open).
   * An exchange still running goes on and its answer is applied when it comes.
   */
  #unavailable(holds: readonly Hold[], taken: Hold[], error: unknown): void {
    if (this.settings.fail === 'open') {
      for (const hold of holds) {
        hold.counter.reserved += hold.amount;
        taken.push(hold);
      }
      // A failed exchange is logged where it failed; a slow one that may yet succeed, here (once a minute).
      const now = this.#now();
      if (error instanceof ExchangeTimeout && !(now - this.#slowLoggedAt < 60_000)) {
        this.#slowLoggedAt = now;
        this.#log('warn', `governance: calls admitted unmetered (SWITCHBOARD_GOVERNANCE_FAIL=open): ${error.message}`);
      }
      return;
    }
    const why = error instanceof ExchangeTimeout ? `did not answer within ${error.timeoutMs} ms` : 'is unreachable';
    throw this.#refuse(
      new GovernanceError('governance_unavailable', `Budgets and rate limits cannot be checked right now (the governance store ${why}); retry shortly.`, { retryAfter: 1 }),
      error,
    );
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
    const lines: string[] = [];
    const counters = [...this.#counters.values()];
    if (counters.length > 0) {
      lines.push('# HELP switchboard_governance_limit Limit of a budget (USD) or rate limit (requests or tokens per minute) in its current period.');
      lines.push('# TYPE switchboard_governance_limit gauge');
      for (const name of ['limit', 'spent', 'reserved', 'leased'] as const) {
        if (name !== 'limit') lines.push(`# TYPE switchboard_governance_${name} gauge`);
        for (const counter of counters) {
          const value = name === 'limit' ? (counter.limit ?? 0n) : name === 'spent' ? counter.spent + counter.consumed : name === 'reserved' ? counter.reserved : counter.leased;
          lines.push(`switchboard_governance_${name}{kind="${counter.rule.kind}",name="${escapeLabel(counter.rule.name)}",metric="${unitOf(counter.metric)}"} ${format(value, counter.metric)}`);
        }
      }
    }
    lines.push('# TYPE switchboard_governance_refusals_total counter');
    for (const [code, count] of this.refusals) lines.push(`switchboard_governance_refusals_total{code="${code}"} ${count}`);
    return `${lines.join('\n')}\n`;
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

  #overLimit(counter: LeaseCounter, amount: bigint): GovernanceError {
    const now = this.#now();
    const rule = counter.rule;
    const resetMs = Math.max(0, counter.periodEnd - now);
    const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
    const headers = holdHeaders([{ counter, amount }], now);
    if (rule.kind === 'budget') {
      const left = counter.remaining();
      return new GovernanceError(
        'insufficient_quota',
        `Budget '${rule.name}' is exhausted for this ${rule.period === 'fixed' ? 'window' : rule.period}: this request may cost up to ${picoToUsd(amount)} and ${picoToUsd(left)} of ${picoToUsd(counter.limit ?? 0n)} is left. It resets ${describeReset(counter.periodEnd + this.#clock.offsetMs, now + this.#clock.offsetMs)}.`,
        { retryAfter, headers },
      );
    }
    const unit = counter.metric === 'requests' ? 'requests' : 'tokens';
    return new GovernanceError(
      'rate_limited',
      `Rate limit '${rule.name}' reached: ${String(counter.limit ?? 0n)} ${unit} per minute (this request needs ${amount} ${unit}). Retry after ${retryAfter} s.`,
      { retryAfter, headers },
    );
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
    return quoteWorstCost(this.#prices(), model, buckets, now + this.#clock.offsetMs);
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

/** `work`, or an `ExchangeTimeout` once `deadline` (`performance.now()` ms) has passed. */
async function beforeDeadline<T>(work: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ExchangeTimeout(timeoutMs)), Math.max(0, deadline - performance.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
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

function unitOf(metric: CounterMetric): string {
  return metric === 'usd_pico' ? 'usd' : metric;
}

function format(value: bigint, metric: CounterMetric): string {
  if (metric !== 'usd_pico') return value.toString();
  return picoToUsd(value).replace('$', '');
}
