/**
 * What the gateway and the service see of tracing: no OpenTelemetry type appears here, so nothing
 * that imports this file loads OpenTelemetry. The implementation (otel-tracing.ts) is imported
 * dynamically, only when tracing is on (load-tracing.ts).
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { TraceParent, UsageObserver } from '../usage/usage-observer.js';

export type TracingLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** The parts of a gateway exchange the server span reads (the server's `Exchange` has them). */
export interface TracedExchange {
  readonly requestId: string;
  readonly method: string;
  /** performance.now() when the request arrived: the span's start. */
  readonly started: number;
  /** Route template, e.g. `/v1/chat/completions`. */
  readonly route: string;
  readonly owner: { readonly projectName: string } | undefined;
  /** The model name the client asked for. */
  readonly model: string | undefined;
  readonly modelKnown: boolean;
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly clientGone: boolean;
}

/** The server span of one gateway request; its `traceparent` is the parent of the attempt spans. */
export interface RequestSpan extends TraceParent {
  /** Ends the span with what the exchange says about the answer (once; later calls are ignored). */
  end(): void;
}

export interface Tracing {
  /**
   * The server span of a request (a child of its valid `traceparent` header, if any). It costs
   * nothing until an attempt begins or it ends; a request refused with 401 before any attempt
   * exports no span.
   */
  startRequest(exchange: TracedExchange, request: IncomingMessage): RequestSpan;
  /** Makes one client span per upstream attempt (give it to the usage recorder). */
  readonly observer: UsageObserver;
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Ends the exporter after exporting what is buffered (call after the gateway and service closed). */
  shutdown(): Promise<void>;
}
