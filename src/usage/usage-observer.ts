/**
 * Usage observers: what else (besides the ledger) watches each upstream attempt. The recorder
 * calls every observer when an attempt begins and hands the settled row (buckets, cost) to what
 * it returned; the tracer is one (src/tracing). With no observer the recorder pays one check.
 *
 * @module
 */
import type { UsageRowInsert } from '../db/sql/usage.js';
import type { UsageAttempt } from './usage-attempt.js';

/** The W3C trace context a call continues: its upstream attempts become children of that span. */
export interface TraceParent {
  /** `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. */
  readonly traceparent: string;
  readonly tracestate?: string | undefined;
}

/** One observer's view of one attempt, from its start to its settled row. */
export interface AttemptObservation {
  /** Headers the upstream call carries for this observer (e.g. `traceparent`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The attempt's row, settled (usage and cost known); called once, possibly after an estimate. */
  end(attempt: UsageAttempt, row: UsageRowInsert): void;
}

export interface UsageObserver {
  /** An attempt began (its upstream call is about to be made); undefined = not observed. */
  begin(attempt: UsageAttempt): AttemptObservation | undefined;
}
