import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { decodeText, readBodyText } from './body-text.js';
import { SignalBoundHandler } from './signal-bound-handler.js';
import { dispatchUpstream, errorBodyLimit, networkError, parseTarget, sendUpstream, type UpstreamRequest } from './http.js';
import { defaultUpstreamLimits, MAX_ERROR_BODY_BYTES, responseTooLarge } from './upstream-limits.js';
import type { CancelSignal } from '../../cancel.js';

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
 * sendUpstream + readJson / readErrorBody, and so are the caps: a successful answer over
 * `limits.maxResponseBytes` is a provider_error (the request is aborted as soon as it passes the
 * cap), an error body over errorBodyLimit gives `text: undefined`. It returns the dispatcher's
 * promise itself (no async wrapper, one promise and microtask turn fewer per call).
 */
export function sendUpstreamForText(call: UpstreamRequest): Promise<UpstreamText> {
  const target = parseTarget(call.url);
  if (!target) return readWholeAnswer(call);
  const maxResponseBytes = call.limits?.maxResponseBytes ?? defaultUpstreamLimits.maxResponseBytes;
  return dispatchUpstream<UpstreamText>(
    call,
    target,
    (resolve, reject) => new TextHandler(call.signal, { provider: call.provider, maxResponseBytes }, resolve, reject),
  );
}

/** sendUpstreamForText for a URL the dispatcher cannot take as parsed: through undici's `request`. */
async function readWholeAnswer(call: UpstreamRequest): Promise<UpstreamText> {
  const response = await sendUpstream(call);
  const { limits } = response;
  if (response.status >= 300) {
    const read = await readBodyText(response.body, errorBodyLimit(limits)).catch(() => undefined);
    return { status: response.status, headers: response.headers, text: read?.text };
  }
  let read;
  try {
    read = await readBodyText(response.body, limits.maxResponseBytes);
  } catch (error) {
    throw networkError(call.provider, error, call.signal);
  }
  if (read.tooLarge) throw responseTooLarge(call.provider, limits.maxResponseBytes, response.status);
  return { status: response.status, headers: response.headers, text: read.text };
}

/** Collects one answer (see sendUpstreamForText); aborts the request when `signal` does. */
class TextHandler extends SignalBoundHandler implements Dispatcher.DispatchHandler {
  readonly #resolve: (answer: UpstreamText) => void;
  readonly #reject: (error: unknown) => void;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #length = 0;
  readonly #provider: string;
  readonly #maxResponseBytes: number;
  /** Bytes kept for the current status: the answer cap, or less for an error body. */
  #cap: number;
  #tooLarge = false;

  constructor(
    signal: CancelSignal,
    limits: { provider: string; maxResponseBytes: number },
    resolve: (answer: UpstreamText) => void,
    reject: (error: unknown) => void,
  ) {
    super(signal);
    this.#provider = limits.provider;
    this.#maxResponseBytes = limits.maxResponseBytes;
    this.#cap = limits.maxResponseBytes;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: informational, the answer follows
    this.#status = statusCode;
    this.#headers = headers;
    if (statusCode >= 300) this.#cap = Math.min(this.#maxResponseBytes, MAX_ERROR_BODY_BYTES);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#tooLarge) return;
    this.#length += chunk.length;
    if (this.#length > this.#cap) {
      // Over the cap: stop receiving now (the request is aborted) and keep nothing.
      this.#tooLarge = true;
      this.#chunks = [];
      controller.abort(responseTooLarge(this.#provider, this.#maxResponseBytes, this.#status));
      return;
    }
    this.#chunks.push(chunk);
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
