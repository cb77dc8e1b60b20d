/**
 * One upstream attempt being timed and measured, turned into one ledger row when it ends.
 *
 * @module
 */
import type { UsageRowInsert } from '../db/sql/usage.js';
import { ProviderError, SwitchboardError } from '../errors.js';
import type { Usage, UsageBuckets } from '../providers/spec/index.js';
import { billedUsage } from '../providers/shared/billed-provider-error.js';
import { UpstreamCapError, upstreamFailure } from '../providers/shared/upstream-limits.js';
import type { ModelEntry, ProviderEntry } from '../registry/provider-registry.js';
import type { AttemptObservation, TraceParent } from './usage-observer.js';
import { clientAborted } from '../routing/route-deadline.js';
import { storableRawUsage } from './raw-usage.js';
import type { CancelSignal } from '../cancel.js';

/** Status recorded for an attempt the client cut (nginx's "client closed request"). */
export const CLIENT_CLOSED_STATUS = 499;

/** Who made the call, from the caller's context. */
export interface AttemptCaller {
  requestId: string;
  projectId: string | null;
  apiKeyId: string | null;
  /** performance.now() when the request arrived (default: when the attempt began). */
  receivedAt: number | undefined;
  signal: CancelSignal | undefined;
  /** The caller's trace context, when it is traced (the parent of the attempt's span). */
  trace?: TraceParent | undefined;
}

/** The client-facing API an attempt served (the ledger's `endpoint` column). */
export type UsageEndpoint = 'chat' | 'embeddings' | 'messages' | 'responses';

/** How an attempt ended, as the recorder needs it. */
export interface AttemptOutcome {
  status: number;
  errorCode: string | null;
  incomplete: boolean;
  /** The vendor's usage; without buckets (or all zero while text was exchanged) it is estimated. */
  usage: Usage | undefined;
  /** Estimates the usage with a tokenizer, when needed. Undefined = nothing to estimate from. */
  estimate: (() => Promise<UsageBuckets>) | undefined;
}

/** The ledger's error code of an empty answer a route fell back from (status 200). */
export const EMPTY_ANSWER_CODE = 'empty_answer';

/** The routing facts of an attempt made on a route (its ledger columns). */
export interface AttemptRouting {
  routeName: string;
  routeVersion: number;
  /** The arm assigned (the first attempt's target). */
  arm: string;
  /** The arm of this attempt's target. */
  servedArm: string;
  /** 1-based attempt number within the request. */
  attempt: number;
  /** This attempt called another target than the first. */
  fallback: boolean;
  /** An empty answer of this attempt is set aside for the next candidate (not the request's answer). */
  emptyFallsBack?: boolean;
}

/** Finishes attempts: builds the row and hands it on (see UsageRecorder). */
export type AttemptSink = (attempt: UsageAttempt, outcome: AttemptOutcome) => void;

/** The usage of an attempt that reported none and had nothing to estimate from. */
export const zeroBuckets: Readonly<UsageBuckets> = { input: 0, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 };

export class UsageAttempt {
  readonly startedAt = Date.now();
  readonly began = performance.now();
  /** Time spent waiting on the upstream so far, ms. */
  upstreamMs = 0;
  /** performance.now() of the first generated token (streams). */
  firstTokenAt: number | undefined;
  /** Set when the attempt was made on a route. */
  routing: AttemptRouting | undefined;
  /** A routed stream before its commit point: a failure now reached no client, so it is not `incomplete`. */
  precommit = false;
  /**
   * The gateway cut the stream at a stop sequence its vendor was not sent (service/stop-cut-stream.ts):
   * the stream it then let go ended as a success, not as a client's close.
   */
  cutAtStop = false;
  /**
   * The attempt's answer was empty and the route falls back from it: the client never gets it, so
   * its row says `empty_answer` (status 200) and the per-arm comparison does not count it as an answer.
   */
  discardedEmpty = false;
  /** The model the vendor says answered, when known. */
  responseModel: string | undefined;
  /** What usage observers watch (set by the recorder when it has observers). */
  observations: AttemptObservation[] | undefined;
  /** Headers the observers add to the upstream call (e.g. `traceparent`); undefined = none. */
  upstreamHeaders: Record<string, string> | undefined;
  #ended = false;
  #endedAt = 0;
  /** Receives the row's cost (pico-USD, null = unpriced) and total tokens once known (governance settles with it). */
  onCost: ((costPico: bigint | null, tokens: number) => void) | undefined;

  constructor(
    readonly caller: AttemptCaller,
    readonly requestedModel: string,
    readonly endpoint: UsageEndpoint,
    readonly streamed: boolean,
    readonly model: ModelEntry,
    readonly provider: ProviderEntry,
    readonly sink: AttemptSink,
  ) {}

  /** performance.now() when the attempt ended (0 before). */
  get endedAt(): number {
    return this.#endedAt;
  }

  /** True once the row was handed on. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Ends the attempt (once; later calls are ignored). */
  end(outcome: AttemptOutcome): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endedAt = performance.now();
    this.sink(this, outcome);
  }

  /**
   * Ends the attempt with a failure: a cut (499) when the caller's signal aborted. A failure the
   * vendor bills (a BilledProviderError) is recorded with the vendor's usage. `delivered`: content
   * already went out (a stream whose upstream broke off midway), which the vendor generated and
   * bills, so the attempt is estimated like a cut stream instead of recorded without usage.
   */
  fail(error: unknown, estimate: AttemptOutcome['estimate'], delivered = false): void {
    const usage = billedUsage(error);
    if (clientAborted(this.caller.signal)) {
      this.end({ status: CLIENT_CLOSED_STATUS, errorCode: null, incomplete: true, usage, estimate });
      return;
    }
    const known = error instanceof SwitchboardError;
    this.end({
      status: known ? error.status : 500,
      errorCode: known ? error.code : 'internal_error',
      incomplete: this.streamed && !this.precommit,
      usage,
      // A call the gateway gave up waiting on was received, and likely billed, by the vendor; so
      // was one whose successful answer the gateway cut at its size limits.
      estimate: delivered || cutByTimeout(error) || cutByCap(error) ? estimate : undefined,
    });
  }

  /**
   * Ends the attempt with the failure the gateway answered in place of the vendor's answer (one it
   * could not encode or hold): the row says what the client was sent, as the surfaces map it (a
   * stack overflow on the vendor's JSON is the provider's 502), with the vendor's `usage` when it
   * came, else `estimate`. A client already gone was sent nothing: a cut (499).
   */
  failAnswer(reason: unknown, usage: Usage | undefined, estimate: AttemptOutcome['estimate']): void {
    if (clientAborted(this.caller.signal)) {
      this.end({ status: CLIENT_CLOSED_STATUS, errorCode: null, incomplete: true, usage, estimate });
      return;
    }
    const error = upstreamFailure(this.provider.name, reason);
    const known = error instanceof SwitchboardError;
    this.end({
      status: known ? error.status : 500,
      errorCode: known ? error.code : 'internal_error',
      incomplete: this.streamed && !this.precommit,
      usage,
      estimate,
    });
  }

  /** The ledger row once ended, with the usage settled (timings are those of the end). */
  row(buckets: UsageBuckets | undefined, source: UsageRowInsert['usageSource'], raw: unknown, outcome: AttemptOutcome): UsageRowInsert {
    const ended = this.#endedAt;
    const b = buckets ?? zeroBuckets;
    const totalMs = ended - (this.caller.receivedAt ?? this.began);
    return {
      requestId: this.caller.requestId,
      attempt: this.routing?.attempt ?? 1,
      startedAtMs: this.startedAt,
      // Whole milliseconds, as a Date holds them (and a whole number prints several times faster).
      endedAtMs: Math.trunc(this.startedAt + (ended - this.began)),
      projectId: this.caller.projectId,
      apiKeyId: this.caller.apiKeyId,
      requestedModel: this.requestedModel,
      modelId: this.model.id,
      modelName: this.model.name,
      providerId: this.provider.id,
      providerName: this.provider.name,
      vendorModelId: this.model.modelId,
      endpoint: this.endpoint,
      streamed: this.streamed,
      status: outcome.status,
      errorCode: outcome.errorCode ?? (this.discardedEmpty ? EMPTY_ANSWER_CODE : null),
      incomplete: outcome.incomplete,
      overheadMs: Math.max(0, totalMs - this.upstreamMs),
      upstreamMs: this.upstreamMs,
      ttftMs: this.firstTokenAt === undefined ? null : this.firstTokenAt - (this.caller.receivedAt ?? this.began),
      inputTokens: b.input,
      cachedInputTokens: b.cachedInput,
      cacheWrite5mTokens: b.cacheWrite5m,
      cacheWrite1hTokens: b.cacheWrite1h,
      outputTokens: b.output,
      reasoningTokens: b.reasoning,
      webSearchCalls: b.webSearchCalls ?? 0,
      usageSource: source,
      rawUsage: storableRawUsage(raw),
      priceId: null,
      providerPriceId: null,
      costUsd: null,
      routeName: this.routing?.routeName ?? null,
      routeVersion: this.routing?.routeVersion ?? null,
      arm: this.routing?.arm ?? null,
      servedArm: this.routing?.servedArm ?? null,
      fallback: this.routing?.fallback ?? false,
    };
  }
}

/**
 * The gateway gave up waiting (first-byte or idle timeout, a route's deadline): the vendor had the
 * request and went on generating, so the call is estimated like a client's cut rather than free.
 * A vendor's own 504 or 408 answer (an `upstreamStatus`) generated nothing and stays unbilled.
 */
export function cutByTimeout(error: unknown): boolean {
  if (!(error instanceof SwitchboardError) || error.code !== 'provider_timeout') return false;
  return !(error instanceof ProviderError && error.upstreamStatus !== undefined);
}

/**
 * The gateway cut a successful answer at its size limits (SWITCHBOARD_UPSTREAM_MAX_RESPONSE_BYTES,
 * _MAX_EVENT_BYTES): the vendor generated, and bills, all it sent, so the call is estimated rather
 * than free (a tenant can make an answer that large at will: logprobs, `n`).
 */
export function cutByCap(error: unknown): boolean {
  if (!(error instanceof UpstreamCapError)) return false;
  const status = error.upstreamStatus;
  return status === undefined || (status >= 200 && status < 300);
}
