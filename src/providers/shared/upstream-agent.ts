import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Agent as AgentTypes, Dispatcher } from 'undici';
import { Agent, DecoratorHandler } from './undici.js';
import { IdleStackPool } from './idle-stack-pool.js';

/** Default cap on requests in flight to one upstream origin (SWITCHBOARD_UPSTREAM_MAX_CONNECTIONS). */
export const DEFAULT_MAX_UPSTREAM_CONNECTIONS = 10_000;

export interface UpstreamAgentOptions {
  connectTimeoutMs?: number;
  /** Requests in flight to one origin; one more fails at once with UpstreamConnectionLimitError. */
  maxConnections?: number;
}

/** A call refused because `limit` requests to `origin` are already in flight. */
export class UpstreamConnectionLimitError extends Error {
  readonly origin: string;
  readonly limit: number;

  constructor(origin: string, limit: number) {
    super(`${limit} requests to ${origin} are in flight, the limit (SWITCHBOARD_UPSTREAM_MAX_CONNECTIONS)`);
    this.name = 'UpstreamConnectionLimitError';
    this.origin = origin;
    this.limit = limit;
  }
}

/**
 * The keep-alive Agent of a gateway: one pool per origin (IdleStackPool), HTTP/1.1 (one request
 * per connection at a time). A stream holds its connection for its whole life, so a pool capped
 * low (undici's pools queue the request once the cap is reached) would make the next stream wait
 * for a whole stream: here the cap is high, counted per origin, and a request over it fails at
 * once instead of waiting in a queue.
 */
export class UpstreamAgent extends Agent {
  readonly maxConnections: number;
  readonly #inFlight = new Map<string, number>();

  constructor(options: UpstreamAgentOptions = {}) {
    const maxConnections = options.maxConnections ?? DEFAULT_MAX_UPSTREAM_CONNECTIONS;
    const poolOptions = { connectTimeoutMs: options.connectTimeoutMs ?? 10_000, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 };
    // Each origin's connections: one request at a time each, the idle ones on a stack (idle-stack-pool.ts).
    super({ factory: (origin) => new IdleStackPool(origin, poolOptions) });
    this.maxConnections = maxConnections;
  }

  /** Requests in flight to `origin` now. */
  inFlight(origin: string): number {
    return this.#inFlight.get(origin) ?? 0;
  }

  override dispatch(options: AgentTypes.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(options.origin);
    const count = this.#inFlight.get(origin) ?? 0;
    // Legacy handlers (undici's request()) are brought to the controller API first.
    const inner: Dispatcher.DispatchHandler = handler.onRequestStart ? handler : new DecoratorHandler(handler);
    if (count >= this.maxConnections) {
      inner.onResponseError?.(refusedController, new UpstreamConnectionLimitError(origin, this.maxConnections));
      return false;
    }
    this.#inFlight.set(origin, count + 1);
    return super.dispatch(options, new ReleasingHandler(inner, () => this.#release(origin)));
  }

  #release(origin: string): void {
    const count = (this.#inFlight.get(origin) ?? 1) - 1;
    if (count <= 0) this.#inFlight.delete(origin);
    else this.#inFlight.set(origin, count);
  }
}

/** The controller handed to a handler whose request was refused before it started. */
const refusedController: Dispatcher.DispatchController = {
  aborted: true,
  paused: false,
  reason: null,
  abort: () => {},
  pause: () => {},
  resume: () => {},
};

/** Forwards to `inner` and calls `release` once, when the request is over (ended or failed). */
class ReleasingHandler implements Dispatcher.DispatchHandler {
  readonly #inner: Dispatcher.DispatchHandler;
  #release: (() => void) | undefined;

  constructor(inner: Dispatcher.DispatchHandler, release: () => void) {
    this.#inner = inner;
    this.#release = release;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.#inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.#inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#done();
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#done();
    this.#inner.onResponseError?.(controller, error);
  }

  #done(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}
