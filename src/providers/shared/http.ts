import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { ProviderError, SwitchboardError } from '../../errors.js';
import { readBodyText } from './body-text.js';
import type { RawJson } from './raw-json.js';
import { encodeBody } from './request-body.js';
import { dispatchRequest, errors as undiciErrors, parseUpstreamUrl } from './undici.js';
import type { Timeouts } from './timeouts.js';
import { UpstreamConnectionLimitError } from './upstream-agent.js';
import { defaultUpstreamLimits, MAX_ERROR_BODY_BYTES, responseTooLarge, type UpstreamLimits } from './upstream-limits.js';
import type { CancelSignal } from '../../cancel.js';

/** One upstream call. */
export interface UpstreamRequest {
  /** Provider row name, for error messages. */
  provider: string;
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Serialized with JSON.stringify when present. */
  body?: unknown;
  signal: CancelSignal;
  timeouts: Timeouts;
  dispatcher: Dispatcher;
  /** Caps on the answer (ProviderDeps.limits); defaultUpstreamLimits when absent. */
  limits?: UpstreamLimits | undefined;
  /** The client's long string literals, written into the body as they came (CallOptions.rawJson). */
  raw?: RawJson | undefined;
}

/** The upstream's answer, body not yet read. */
export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  /** The call's caps, for whoever reads the body. */
  limits: UpstreamLimits;
}

/**
 * Sends the request on the shared keep-alive pool. Network failures and timeouts become
 * ProviderErrors; an aborted `signal` rethrows the abort reason unchanged.
 */
export async function sendUpstream(call: UpstreamRequest): Promise<UpstreamResponse> {
  try {
    const { headers, body } = encodeBody(call.headers, call.body, call.raw);
    const options = {
      method: call.method ?? 'POST',
      headers,
      body,
      signal: call.signal,
      headersTimeout: call.timeouts.firstByteMs,
      bodyTimeout: call.timeouts.idleMs,
    };
    const target = parseTarget(call.url) ?? parseUpstreamUrl(call.url);
    const response = await dispatchRequest(call.dispatcher, { ...options, origin: target.origin, path: target.path });
    return { status: response.statusCode, headers: response.headers, body: response.body, limits: call.limits ?? defaultUpstreamLimits };
  } catch (error) {
    throw networkError(call.provider, error, call.signal);
  }
}

export interface Target {
  origin: string;
  path: string;
}

/** Upstream URLs already split into origin and path (a provider calls the same few URLs again and again). */
const targets = new Map<string, Target>();

/**
 * `url` split into the origin and path undici's dispatcher takes, exactly as undici's top-level
 * `request(url)` splits it (WHATWG URL: origin, pathname + search), but parsed once per distinct
 * URL. Undefined for what is not a plain http(s) URL: undici's own parser then reports it
 * (`parseUpstreamUrl`).
 */
export function parseTarget(url: string): Target | undefined {
  let target = targets.get(url);
  if (target === undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password) return undefined;
    target = { origin: parsed.origin, path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname };
    // Bounded: the URLs come from provider rows, but a row may put per-call values into a path.
    if (targets.size >= 1000) targets.clear();
    targets.set(url, target);
  }
  return target;
}

/**
 * Reads a whole body as JSON; an unreadable body, or one over `limits.maxResponseBytes`, is a
 * provider error naming the provider.
 */
export async function readJson(provider: string, response: UpstreamResponse, signal?: CancelSignal): Promise<unknown> {
  let read;
  try {
    read = await readBodyText(response.body, response.limits.maxResponseBytes);
  } catch (error) {
    throw networkError(provider, error, signal);
  }
  if (read.tooLarge) throw responseTooLarge(provider, response.limits.maxResponseBytes, response.status);
  return parseJsonBody(provider, response.status, read.text);
}

/** A successful answer's body text as JSON; otherwise a provider error naming the provider. */
export function parseJsonBody(provider: string, status: number, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError('provider_error', `Provider '${provider}' returned a body that is not JSON (HTTP ${status})`, {
      provider,
      status: 502,
      upstreamStatus: status,
    });
  }
}

/**
 * Reads an error body as JSON if it is JSON, else undefined (some vendors answer HTML or text,
 * and a body over errorBodyLimit is not read to its end).
 */
export async function readErrorBody(response: UpstreamResponse): Promise<unknown> {
  try {
    return parseErrorBody((await readBodyText(response.body, errorBodyLimit(response.limits))).text);
  } catch {
    return undefined;
  }
}

/** How much of an error body is read: MAX_ERROR_BODY_BYTES, or less when the answer cap is lower. */
export function errorBodyLimit(limits: UpstreamLimits): number {
  return Math.min(limits.maxResponseBytes, MAX_ERROR_BODY_BYTES);
}

/** An error answer's body text as JSON if it is JSON, else undefined (as readErrorBody). */
export function parseErrorBody(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Maps undici/network failures to ProviderErrors; aborts pass through as they are. */
export function networkError(provider: string, error: unknown, signal?: CancelSignal): unknown {
  if (signal?.aborted) return signal.reason ?? error;
  // Ours already (a body that cannot be encoded): not a network failure, no breaker counts it.
  if (error instanceof SwitchboardError) return error;
  if (error instanceof undiciErrors.InvalidArgumentError) {
    // undici refused to build the request: a header value with a line break (a pasted key's
    // trailing newline) or the like. The row or the credential is wrong, not the vendor's health.
    return new SwitchboardError(
      'credential_invalid',
      `Provider '${provider}': the upstream request could not be built (${error.message}): check the stored credential, its env var and the row's header settings for line breaks or other invalid characters`,
      { cause: error },
    );
  }
  if (error instanceof UpstreamConnectionLimitError) {
    return new ProviderError('provider_unavailable', `Provider '${provider}' is busy: ${error.message}; retry shortly`, {
      provider,
      status: 503,
      retryAfter: 1,
      cause: error,
    });
  }
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new ProviderError('provider_timeout', `Provider '${provider}' timed out (${error.message})`, {
      provider,
      status: 504,
      cause: error,
    });
  }
  const reason = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
  return new ProviderError('provider_unavailable', `Provider '${provider}' could not be reached (${reason})`, {
    provider,
    status: 502,
    cause: error,
  });
}

/**
 * Stops reading a body and releases its connection. Destroying an unread undici body emits
 * 'error', which would be an uncaught exception without a listener: this adds one first.
 */
export function discardBody(body: UpstreamResponse['body']): void {
  if (body.destroyed || body.readableEnded) return;
  body.on('error', () => {});
  body.destroy();
}

/**
 * The body's chunks, for an SSE parser that may stop early (at `data: [DONE]`): stopping does not
 * destroy the body (which would build an abort error for every stream); release it afterwards
 * with releaseBody (complete answer) or discardBody.
 */
export function bodyChunks(body: UpstreamResponse['body']): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: (): AsyncIterator<Uint8Array> => body.iterator({ destroyOnReturn: false }) };
}

/**
 * Releases a body after its answer was read to the end of its content (e.g. the `[DONE]` event):
 * what is left (usually just the end of the body) is read, so the body ends normally and its
 * connection goes back to the pool. A body that has not ended one event-loop turn later is still
 * receiving data and is discarded (which aborts the upstream request).
 */
export function releaseBody(body: UpstreamResponse['body']): void {
  if (body.destroyed || body.readableEnded) return;
  body.on('error', ignoreError);
  body.resume();
  setImmediate(() => {
    if (!body.readableEnded) discardBody(body);
  });
}

function ignoreError(): void {}

/**
 * Sends `call` to an already-parsed `target` through the dispatcher with a custom handler (no
 * response stream per call), resolving with what the handler produces. Failures map like
 * sendUpstream's. Not an async function: the promise it returns is the one the handler settles
 * (an async wrapper would add a promise and a microtask turn to every call).
 */
export function dispatchUpstream<T>(
  call: UpstreamRequest,
  target: Target,
  handler: (resolve: (value: T) => void, reject: (error: unknown) => void) => Dispatcher.DispatchHandler,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (error: unknown): void => reject(networkError(call.provider, error, call.signal));
    try {
      const { headers, body } = encodeBody(call.headers, call.body, call.raw);
      call.dispatcher.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: call.method ?? 'POST',
          headers,
          body,
          headersTimeout: call.timeouts.firstByteMs,
          bodyTimeout: call.timeouts.idleMs,
        },
        handler(resolve, fail),
      );
    } catch (error) {
      fail(error);
    }
  });
}
