import type { IncomingHttpHeaders } from 'node:http';
import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { ProviderError } from '../../errors.js';
import type { Timeouts } from './timeouts.js';

/** One upstream call. */
export interface UpstreamRequest {
  /** Provider row name, for error messages. */
  provider: string;
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Serialized with JSON.stringify when present. */
  body?: unknown;
  signal: AbortSignal;
  timeouts: Timeouts;
  dispatcher: Dispatcher;
}

/** The upstream's answer, body not yet read. */
export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
}

/**
 * Sends the request on the shared keep-alive pool. Network failures and timeouts become
 * ProviderErrors; an aborted `signal` rethrows the abort reason unchanged.
 */
export async function sendUpstream(call: UpstreamRequest): Promise<UpstreamResponse> {
  try {
    const response = await request(call.url, {
      method: call.method ?? 'POST',
      headers: call.body === undefined ? call.headers : { 'content-type': 'application/json', ...call.headers },
      body: call.body === undefined ? null : JSON.stringify(call.body),
      signal: call.signal,
      dispatcher: call.dispatcher,
      headersTimeout: call.timeouts.firstByteMs,
      bodyTimeout: call.timeouts.idleMs,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    throw networkError(call.provider, error, call.signal);
  }
}

/** Reads a whole body as JSON; an unreadable body is a provider error naming the provider. */
export async function readJson(provider: string, response: UpstreamResponse, signal?: AbortSignal): Promise<unknown> {
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw networkError(provider, error, signal);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError('provider_error', `Provider '${provider}' returned a body that is not JSON (HTTP ${response.status})`, {
      provider,
      status: 502,
      upstreamStatus: response.status,
    });
  }
}

/** Reads an error body as JSON if it is JSON, else undefined (some vendors answer HTML or text). */
export async function readErrorBody(response: UpstreamResponse): Promise<unknown> {
  try {
    const text = await response.body.text();
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Maps undici/network failures to ProviderErrors; aborts pass through as they are. */
export function networkError(provider: string, error: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason ?? error;
  if (error instanceof ProviderError) return error;
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
