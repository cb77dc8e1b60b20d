/**
 * Who decides whether a trace is kept: Switchboard, not the client. The OpenTelemetry default
 * follows the sampled flag of the parent, so any client could send `-01` to have every request
 * traced (flooding the collector) or `-00` to stay out of traces. Here a client's trace id is
 * continued but the decision is the gateway's ratio; `trustClient` restores following the flag
 * (for a deployment behind an edge that sets it). Spans under a span of this process follow it.
 * Loaded with otel-tracing.ts, only when tracing is on.
 *
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import { ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/** The sampler of `ratio` (0 to 1); a client's (remote) sampled flag counts only with `trustClient`. */
export function gatewaySampler(ratio: number, trustClient: boolean): Sampler {
  // Trace ids made here are random: the SDK's ratio rule on the id is fine for them.
  const root = new TraceIdRatioBasedSampler(ratio);
  if (trustClient) return new ParentBasedSampler({ root });
  const client = new ClientTraceSampler(ratio);
  return new ParentBasedSampler({ root, remoteParentSampled: client, remoteParentNotSampled: client });
}

/**
 * The ratio over trace ids a client chose. The SDK's rule (a XOR of the id's hex words) would let
 * a client pick ids that are always kept, so the decision hashes the id with a key of this process:
 * the same id always gets the same answer here (a client's trace is kept or dropped as a whole),
 * and a client cannot tell which ids are kept.
 */
export class ClientTraceSampler implements Sampler {
  readonly #ratio: number;
  /** Decisions below this 32-bit value keep the trace. */
  readonly #bound: number;
  readonly #key = randomBytes(32);

  constructor(ratio: number) {
    this.#ratio = Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 0;
    this.#bound = Math.floor(this.#ratio * 0x1_0000_0000);
  }

  shouldSample(_context: Context, traceId: string): SamplingResult {
    if (this.#ratio >= 1) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    if (this.#ratio <= 0) return { decision: SamplingDecision.NOT_RECORD };
    const kept = createHmac('sha256', this.#key).update(traceId).digest().readUInt32BE(0) < this.#bound;
    return { decision: kept ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  toString(): string {
    return `ClientTraceSampler{${this.#ratio}}`;
  }
}
