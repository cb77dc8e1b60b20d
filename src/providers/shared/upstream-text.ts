import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { SignalBoundHandler } from './signal-bound-handler.js';
import { dispatchUpstream, networkError, parseTarget, sendUpstream, type UpstreamRequest } from './http.js';

/** A whole upstream answer. */
export interface UpstreamText {
  status: number;
  headers: IncomingHttpHeaders;
  /**
   * The body as text (UTF-8, a leading BOM dropped, as undici's `body.text()`). Undefined when
   * the body of an error status (≥ 300) could not be read: readErrorBody answers undefined then too.
   */
  text: string | undefined;
}

/**
 * sendUpstream and reading the whole body in one: for answers read as a whole (JSON), whatever
 * their status. It drives undici's dispatcher with a small handler that collects the body,
 * instead of building a response stream per call as `request()` does (a good part of the
 * per-call CPU cost for small answers). Timeouts, the abort signal and error mapping are those of
 * sendUpstream + readJson / readErrorBody.
 */
export async function sendUpstreamForText(call: UpstreamRequest): Promise<UpstreamText> {
  const target = parseTarget(call.url);
  if (!target) {
    const response = await sendUpstream(call);
    if (response.status >= 300) {
      const text = await response.body.text().catch(() => undefined);
      return { status: response.status, headers: response.headers, text };
    }
    try {
      return { status: response.status, headers: response.headers, text: await response.body.text() };
    } catch (error) {
      throw networkError(call.provider, error, call.signal);
    }
  }
  return dispatchUpstream<UpstreamText>(call, target, (resolve, reject) => new TextHandler(call.signal, resolve, reject));
}

/** Collects one answer (see sendUpstreamForText); aborts the request when `signal` does. */
class TextHandler extends SignalBoundHandler implements Dispatcher.DispatchHandler {
  readonly #resolve: (answer: UpstreamText) => void;
  readonly #reject: (error: unknown) => void;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #length = 0;

  constructor(signal: AbortSignal, resolve: (answer: UpstreamText) => void, reject: (error: unknown) => void) {
    super(signal);
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: informational, the answer follows
    this.#status = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  onResponseEnd(): void {
    this.stopListening();
    this.#resolve({ status: this.#status, headers: this.#headers, text: decodeText(this.#chunks, this.#length) });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.stopListening();
    // An error status whose body broke off: the status still counts (readErrorBody gives undefined).
    if (this.#status >= 300) this.#resolve({ status: this.#status, headers: this.#headers, text: undefined });
    else this.#reject(error);
  }
}

/** UTF-8 text of the chunks without a leading BOM, as undici's `body.text()` decodes it. */
export function decodeText(chunks: readonly Buffer[], length: number): string {
  if (length === 0) return '';
  const buffer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}
