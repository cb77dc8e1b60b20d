/**
 * The state of one request while it is answered: who asked, what it touched, how long the
 * upstream took, and how it ended. It feeds the request log line and the metrics.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RawJson } from '../providers/shared/raw-json.js';
import type { KeyOwner } from '../registry/api-key-index.js';
import type { RoutingInfo } from '../routing/route-runner.js';
import type { RequestSpan } from '../tracing/tracing.js';
import { Cancel, type CancelSignal } from '../cancel.js';

/** Status logged for a request whose client went away before the answer was complete (nginx's). */
export const CLIENT_CLOSED_STATUS = 499;

export class Exchange {
  readonly requestId: string;
  readonly method: string;
  /** performance.now() when the request arrived. */
  readonly started: number;
  /** Route template, e.g. `/v1/models/{model}`, or `unmatched`. */
  route = 'unmatched';
  owner: KeyOwner | undefined;
  /** The key id holding a per-key concurrency slot, released when the answer closes. */
  slotKey: string | undefined;
  /** The model name the client asked for. */
  model: string | undefined;
  /** True once `model` resolved in the registry (only then is it a metrics label). */
  modelKnown = false;
  provider: string | undefined;
  status = 0;
  upstreamMs: number | undefined;
  inputTokens = 0;
  outputTokens = 0;
  errorCode: string | undefined;
  /** The request's `x-switchboard-sticky-key` (routes). */
  stickyKey: string | undefined;
  /** The client's own text of the body's long strings, for the first upstream body. */
  rawJson: RawJson | undefined;
  /** How a routed request was served: sent as the `x-switchboard-route*` headers. */
  routing: RoutingInfo | undefined;
  /** Set on /v1 routes: sent as `x-switchboard-config-version`. */
  configVersion: number | undefined;
  /** `x-ratelimit-*` and budget warning headers from governance (flat name/value pairs). */
  governanceHeaders: readonly string[] | undefined;
  /** The response is Server-Sent Events (errors after the head become error events). */
  sse = false;
  /** SSE frames are being batched until the next tick (see `writeBatched`). */
  corked = false;
  /** The client closed the connection before the answer was complete. */
  clientGone = false;
  /** Request body and answer text, kept only when `config.logBodies` is on. */
  requestBody: unknown;
  responseText: string | undefined;
  /** The request's server span, when tracing is on. */
  span: RequestSpan | undefined;
  #controller: Cancel | undefined;

  constructor(request: IncomingMessage) {
    this.started = performance.now();
    this.method = request.method ?? 'GET';
    this.requestId = saneRequestId(request.headers['x-request-id']) ?? randomUUID();
  }

  /** Aborted when the client goes away; passed to upstream calls. */
  get signal(): CancelSignal {
    return this.controller.signal;
  }

  /** The controller of `signal`, one per request (a route's deadline may abort it with a 504 reason). */
  get controller(): Cancel {
    this.#controller ??= new Cancel();
    if (this.clientGone) this.#controller.abort();
    return this.#controller;
  }

  /** The client went away: abort whatever upstream call is running. */
  markClientGone(): void {
    this.clientGone = true;
    this.#controller?.abort();
  }
}

/**
 * A client's `x-request-id` when it is a sane token (≤ 128 chars of `A-Za-z0-9._:-`), but not `.`
 * or `..`: as a URL path segment (the dashboard's `usage/requests/<id>`) those are dot segments that
 * a browser resolves to another route.
 */
export function saneRequestId(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header.length === 0 || header.length > 128 || header === '.' || header === '..') return undefined;
  for (let index = 0; index < header.length; index++) {
    const code = header.charCodeAt(index);
    const ok =
      (code >= 48 && code <= 58) || // 0-9 and ':'
      (code >= 65 && code <= 90) ||
      (code >= 97 && code <= 122) ||
      code === 45 || // -
      code === 46 || // .
      code === 95; // _
    if (!ok) return undefined;
  }
  return header;
}
