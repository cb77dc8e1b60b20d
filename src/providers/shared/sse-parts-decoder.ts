import { ProviderError } from '../../errors.js';
import type { StreamPart } from '../spec/index.js';
import { SseDecoder, type SseSink } from './sse-decoder.js';
import type { PartsDecoder } from './upstream-parts.js';

/**
 * What every vendor's PartsDecoder over Server-Sent Events shares: each body chunk goes through
 * one SseDecoder, whose events the vendor's `event` turns into parts appended to `out`. Once the
 * vendor's last event arrived (`complete`) or an error part ended the stream (`fail`), the rest of
 * the body is not needed, so UpstreamParts releases it. A body that ends first still has its last
 * event (one without its blank line) decoded; then `close` appends the closing parts, unless an
 * error part already ended the stream.
 */
export abstract class SsePartsDecoder implements PartsDecoder, SseSink {
  protected readonly provider: string;
  readonly #sse: SseDecoder;
  /** Where the parts of the chunk being decoded go. */
  protected out: StreamPart[] = [];
  /** The vendor's last event arrived (e.g. `[DONE]`): later events are to be ignored. */
  protected complete = false;
  /** An error part ended the stream: later events are to be ignored. */
  protected failed = false;

  constructor(provider: string, maxEventBytes: number) {
    this.provider = provider;
    this.#sse = new SseDecoder(provider, maxEventBytes);
  }

  chunk(bytes: Uint8Array, out: StreamPart[]): boolean {
    this.out = out;
    this.#sse.push(bytes, this);
    return this.complete || this.failed;
  }

  end(out: StreamPart[]): void {
    if (this.failed) return;
    this.out = out;
    if (!this.complete) this.#sse.end(this);
    if (!this.failed) this.close(out);
  }

  /** One SSE event (SseSink): `name` is the `event:` field, `data` the `data:` lines. */
  abstract event(name: string | undefined, data: string): void;

  /** The stream ended without an error part: appends its closing parts (`finish`, or the error of a stream cut short). */
  protected abstract close(out: StreamPart[]): void;

  /** Ends the stream with an error part. */
  protected fail(error: ProviderError): void {
    this.failed = true;
    this.out.push({ type: 'error', error });
  }

  /** The error of a stream that breaks the vendor's protocol (cut short, or an event that is not JSON). */
  protected protocolError(what: string): ProviderError {
    return new ProviderError('provider_error', `Provider '${this.provider}' ${what}`, { provider: this.provider, status: 502 });
  }
}
