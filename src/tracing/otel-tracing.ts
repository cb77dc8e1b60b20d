/**
 * Tracing with the OpenTelemetry SDK: one server span per gateway request, one client span per
 * upstream attempt (GenAI conventions), exported in batches over OTLP/HTTP JSON. This is the only
 * module that imports OpenTelemetry, and load-tracing.ts imports it only when tracing is on.
 * The provider is not registered globally: a host application's own OpenTelemetry setup is untouched.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { UsageRowInsert } from '../db/sql/usage.js';
import type { UsageAttempt } from '../usage/usage-attempt.js';
import type { AttemptObservation, UsageObserver } from '../usage/usage-observer.js';
import { attemptEndAttributes, attemptFailed, attemptStartAttributes, operationName, type SpanAttributes } from './gen-ai-attributes.js';
import { gatewaySampler } from './gateway-sampler.js';
import { formatTraceparent, parseTraceparent, saneTracestate } from './traceparent.js';
import type { RequestSpan, TracedExchange, Tracing, TracingLog } from './tracing.js';
import type { TracingSettings } from './tracing-settings.js';

/** The scheme and authority of an absolute-form request target. */
const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;
/** Longest `url.path` recorded (a client chooses the path). */
const MAX_PATH_CHARS = 256;
const warnEveryMs = 60_000;

export function createOtelTracing(settings: TracingSettings, log: TracingLog): Tracing {
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': settings.serviceName })),
    // Our own decision, not the SDK's default that follows a client's sampled flag (see gateway-sampler.ts).
    sampler: gatewaySampler(settings.sampleRatio, settings.trustClientSampling),
    spanProcessors: [new BatchSpanProcessor(watchedExporter(new OTLPTraceExporter({ url: settings.url }), settings.url, log))],
  });
  const tracer = provider.getTracer('switchboard');
  return {
    startRequest: (exchange, request) => new ServerSpan(tracer, exchange, request),
    observer: new AttemptTracer(tracer, settings.propagateUpstream),
    flush: () => provider.forceFlush(),
    shutdown: () => shutdownWithin(provider, settings.shutdownMs ?? SHUTDOWN_MS, log),
  };
}

/** How long a request's span waits, after the request ended, for attempts still open. */
const OPEN_ATTEMPT_WAIT_MS = 30_000;

/** How long shutdown waits for the last spans to reach the collector. */
const SHUTDOWN_MS = 5_000;

/**
 * Shuts the provider down, giving up after `ms`: with the collector down the exporter retries for
 * up to its 10 s timeout and then rejects, which made a SIGTERM exit 1 instead of stopping cleanly.
 * Spans not delivered by then are lost (logged).
 */
async function shutdownWithin(provider: BasicTracerProvider, ms: number, log: TracingLog): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([provider.shutdown().then(() => 'done' as const), deadline]);
    if (outcome === 'late') log('warn', `tracing: the collector did not take the last spans within ${ms} ms; they are dropped`);
  } catch (error) {
    log('warn', `tracing: delivering the last spans failed; they are dropped: ${clip(error instanceof Error ? error.message : String(error))}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The server span of one request; attempts add their usage and cost to it while it is open.
 * The OpenTelemetry span is made when first needed (an attempt begins, or the request ends) with
 * the request's arrival as its start. A request that presented no valid project key and made no
 * attempt (a 401, an unknown route, a health probe, `/metrics`, the dashboard and admin API) never
 * makes one, so a flood of unauthenticated requests exports nothing (metrics and logs still count
 * them); an upstream 401 comes after an attempt, so it keeps its span.
 */
class ServerSpan implements RequestSpan {
  readonly #tracer: Tracer;
  readonly #exchange: TracedExchange;
  #request: IncomingMessage | undefined;
  #span: Span | undefined;
  #context: Context | undefined;
  #tracestate: string | undefined;
  #traceparent: string | undefined;
  #ended = false;
  /** Attempts begun and not yet ended: the span waits for them (see end). */
  #openAttempts = 0;
  /** The request ended while attempts were open: when (monotonic clock), for the span's end. */
  #closingAt: number | undefined;
  /** The bounded wait for those attempts. */
  #closing: NodeJS.Timeout | undefined;
  #attempts = 0;
  #inputTokens = 0;
  #outputTokens = 0;
  #cacheRead = 0;
  #cacheCreation = 0;
  #costUsd: number | undefined;
  #last: SpanAttributes | undefined;

  constructor(tracer: Tracer, exchange: TracedExchange, request: IncomingMessage) {
    this.#tracer = tracer;
    this.#exchange = exchange;
    this.#request = request;
  }

  /** The OpenTelemetry span (made now if it was not yet). */
  get span(): Span {
    return this.#span ?? this.#open();
  }

  /** The context whose active span is this one: the parent of the attempt spans. */
  get context(): Context {
    if (this.#context === undefined) this.#open();
    return this.#context as Context;
  }

  /** The client's `tracestate`, when it sent a valid `traceparent` and a sane `tracestate`. */
  get tracestate(): string | undefined {
    if (this.#span === undefined) this.#open();
    return this.#tracestate;
  }

  get traceparent(): string {
    if (this.#traceparent === undefined) {
      const context = this.span.spanContext();
      this.#traceparent = formatTraceparent(context.traceId, context.spanId, context.traceFlags);
    }
    return this.#traceparent;
  }

  get projectName(): string | undefined {
    return this.#exchange.owner?.projectName;
  }

  #open(): Span {
    const request = this.#request as IncomingMessage;
    this.#request = undefined;
    const exchange = this.#exchange;
    const parent = remoteParent(request.headers.traceparent, request.headers.tracestate);
    let url = request.url ?? '/';
    // An absolute-form target (`http://host:port/v1/…`, as proxies send it): the path only.
    if (!url.startsWith('/')) url = url.replace(AUTHORITY, '') || '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const span = this.#tracer.startSpan(
      exchange.method,
      {
        kind: SpanKind.SERVER,
        // The attempt spans are timed on the monotonic clock (timeOrigin + performance.now()); the
        // SDK's default start is Date.now(), which drifts from it, so an attempt could seem to start
        // before its request. Both ends of this span take the attempts' clock.
        startTime: performance.timeOrigin + exchange.started,
        attributes: {
          'http.request.method': exchange.method,
          'url.path': path.length > MAX_PATH_CHARS ? path.slice(0, MAX_PATH_CHARS) : path,
          'switchboard.request_id': exchange.requestId,
        },
      },
      parent,
    );
    this.#span = span;
    this.#context = trace.setSpan(parent, span);
    this.#tracestate = parent === ROOT_CONTEXT ? undefined : saneTracestate(request.headers.tracestate);
    // Made only after the end (an attempt that began late): end it at once, or it is never exported.
    if (this.#ended) span.end(performance.timeOrigin + performance.now());
    return span;
  }

  /** An attempt of this request was settled (before the answer ended, unless usage was estimated). */
  attempted(row: UsageRowInsert, end: SpanAttributes): void {
    if (this.#ended) return;
    this.#attempts += 1;
    this.#inputTokens += numberOf(end['gen_ai.usage.input_tokens']);
    this.#outputTokens += numberOf(end['gen_ai.usage.output_tokens']);
    this.#cacheRead += numberOf(end['gen_ai.usage.cache_read.input_tokens']);
    this.#cacheCreation += numberOf(end['gen_ai.usage.cache_creation.input_tokens']);
    if (row.costUsd !== null) this.#costUsd = (this.#costUsd ?? 0) + Number(row.costUsd);
    this.#last = end;
  }

  /** The attributes of the request's last attempt's start, kept for the server span. */
  started(start: SpanAttributes): void {
    if (this.#ended) return;
    this.span.setAttribute('gen_ai.operation.name', start['gen_ai.operation.name'] ?? 'chat');
    this.span.setAttribute('gen_ai.provider.name', start['gen_ai.provider.name'] ?? '');
  }

  /** An attempt of this request began (its span is a child of this one). */
  attemptBegan(): void {
    this.#openAttempts += 1;
  }

  /** An attempt of this request ended (after `attempted`, when it was recorded). */
  attemptEnded(): void {
    this.#openAttempts = Math.max(0, this.#openAttempts - 1);
    if (this.#openAttempts === 0 && this.#closingAt !== undefined) this.#finish(Math.max(this.#closingAt, performance.now()));
  }

  /**
   * The request ended. An attempt still open (a stream the client cut, estimated by the ledger
   * after the answer ended) is waited for, so that its usage and cost count in this span and the
   * span ends after it; a bounded wait, in case an attempt never reports its end.
   */
  end(): void {
    if (this.#ended || this.#closingAt !== undefined) return;
    if (this.#openAttempts > 0) {
      this.#closingAt = performance.now();
      this.#closing = setTimeout(() => this.#finish(performance.now()), OPEN_ATTEMPT_WAIT_MS).unref();
      return;
    }
    this.#finish(performance.now());
  }

  #finish(at: number): void {
    if (this.#ended) return;
    clearTimeout(this.#closing);
    const exchange = this.#exchange;
    // No project key and no attempt (a 401, an unknown route, a probe): no span (see the class comment).
    if (this.#span === undefined && exchange.owner === undefined) {
      this.#ended = true;
      return;
    }
    const span = this.span;
    this.#ended = true;
    if (!span.isRecording()) {
      span.end();
      return;
    }
    span.updateName(`${exchange.method} ${exchange.route}`);
    span.setAttribute('http.route', exchange.route);
    span.setAttribute('http.response.status_code', exchange.status);
    if (exchange.owner !== undefined) span.setAttribute('switchboard.project', exchange.owner.projectName);
    if (exchange.modelKnown && exchange.model !== undefined) span.setAttribute('gen_ai.request.model', exchange.model);
    if (exchange.clientGone) span.setAttribute('switchboard.client_closed', true);
    if (exchange.errorCode !== undefined) span.setAttribute('error.type', exchange.errorCode);
    if (exchange.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    if (this.#attempts > 0) {
      span.setAttribute('switchboard.attempts', this.#attempts);
      span.setAttribute('gen_ai.usage.input_tokens', this.#inputTokens);
      span.setAttribute('gen_ai.usage.output_tokens', this.#outputTokens);
      span.setAttribute('gen_ai.usage.cache_read.input_tokens', this.#cacheRead);
      span.setAttribute('gen_ai.usage.cache_creation.input_tokens', this.#cacheCreation);
      if (this.#costUsd !== undefined) span.setAttribute('switchboard.cost_usd', round12(this.#costUsd));
      for (const name of ['gen_ai.response.model', 'switchboard.route', 'switchboard.arm'] as const) {
        const value = this.#last?.[name];
        if (value !== undefined) span.setAttribute(name, value);
      }
    }
    span.end(performance.timeOrigin + at);
  }
}

/** The usage observer: a client span per upstream attempt, ended with its settled row. */
class AttemptTracer implements UsageObserver {
  readonly #tracer: Tracer;
  readonly #propagate: boolean;

  constructor(tracer: Tracer, propagate: boolean) {
    this.#tracer = tracer;
    this.#propagate = propagate;
  }

  begin(attempt: UsageAttempt): AttemptObservation {
    const caller = attempt.caller.trace;
    const server = caller instanceof ServerSpan ? caller : undefined;
    const parent = server?.context ?? (caller === undefined ? ROOT_CONTEXT : remoteParent(caller.traceparent, caller.tracestate));
    const attributes = attemptStartAttributes(attempt);
    const project = server?.projectName;
    if (project !== undefined) attributes['switchboard.project'] = project;
    server?.started(attributes);
    server?.attemptBegan();
    const span = this.#tracer.startSpan(
      `${operationName(attempt.endpoint)} ${attempt.model.modelId}`,
      { kind: SpanKind.CLIENT, attributes, startTime: performance.timeOrigin + attempt.began },
      parent,
    );
    let headers: Record<string, string> | undefined;
    if (this.#propagate) {
      const context = span.spanContext();
      headers = { traceparent: formatTraceparent(context.traceId, context.spanId, context.traceFlags) };
      const tracestate = server?.tracestate ?? (caller === undefined ? undefined : saneTracestate(caller.tracestate));
      if (tracestate !== undefined) headers['tracestate'] = tracestate;
    }
    return new AttemptSpan(span, server, headers);
  }
}

class AttemptSpan implements AttemptObservation {
  constructor(
    readonly span: Span,
    readonly server: ServerSpan | undefined,
    readonly headers: Record<string, string> | undefined,
  ) {}

  end(attempt: UsageAttempt, row: UsageRowInsert): void {
    // Not sampled: nothing of it is exported, and its server span (same decision) sums nothing.
    if (!this.span.isRecording()) {
      this.server?.attemptEnded();
      return;
    }
    const attributes = attemptEndAttributes(attempt, row);
    this.span.setAttributes(attributes);
    if (attemptFailed(row)) this.span.setStatus({ code: SpanStatusCode.ERROR });
    this.span.end(performance.timeOrigin + attempt.endedAt);
    this.server?.attempted(row, attributes);
    this.server?.attemptEnded();
  }
}

/** The context of a valid client `traceparent` (a remote parent), else the root (a new trace). */
function remoteParent(traceparent: string | string[] | undefined, tracestate: string | string[] | undefined): Context {
  const parsed = parseTraceparent(traceparent);
  if (parsed === undefined) return ROOT_CONTEXT;
  const state = saneTracestate(tracestate);
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: parsed.flags & 0x01,
    isRemote: true,
    ...(state === undefined ? {} : { traceState: createTraceState(state) }),
  });
}

/** The exporter, with failed exports logged (at most once a minute; the collector's address only). */
function watchedExporter(exporter: SpanExporter, url: string, log: TracingLog): SpanExporter {
  let warnedAt = -Infinity;
  const where = new URL(url).host;
  return {
    export: (spans, done) =>
      exporter.export(spans, (result) => {
        if (result.code !== 0 && performance.now() - warnedAt >= warnEveryMs) {
          warnedAt = performance.now();
          log('warn', `tracing: exporting ${spans.length} spans to ${where} failed: ${clip(result.error?.message ?? 'unknown error')}`);
        }
        done(result);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

function numberOf(value: SpanAttributes[string] | undefined): number {
  return typeof value === 'number' ? value : 0;
}

function round12(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
