/**
 * The OpenAI-compatible HTTP gateway on raw `node:http`: a switch on path and method, no framework
 * (the budget is < 180 µs of CPU per proxied request). Everything a request needs comes from the
 * in-memory config snapshot; no database query on the request path.
 *
 * @module
 */
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { BodyBudget } from './body-budget.js';
import { deferContinue } from './read-body.js';
import type { Config } from '../config.js';
import { SwitchboardError } from '../errors.js';
import type { ConfigSnapshot } from '../registry/config-snapshot.js';
import type { AIService } from '../service/ai-service.js';
import { CLIENT_CLOSED_STATUS, Exchange } from './exchange.js';
import type { GatewayContext } from './gateway-context.js';
import { KeyConcurrency } from './key-concurrency.js';
import { admitPipelined, type PipelineGate } from './pipeline.js';
import { GatewayMetrics } from './metrics.js';
import { chatCompletions } from './routes/chat-completions.js';
import { embeddings } from './routes/embeddings.js';
import { COUNT_TOKENS_PATH, MESSAGES_PATH, messagesRoute } from './routes/messages.js';
import { listModels, retrieveModel } from './routes/models.js';
import { healthz, metrics, readyz } from './routes/operations.js';
import { originForm } from './request-target.js';
import { sharedCheck } from './shared-check.js';
import { responses } from './routes/responses.js';
import { sendError } from './send.js';
import { toHttpError } from './openai-error.js';
import { ADMIN_PREFIX, adminRoute } from './admin/admin-router.js';
import type { AdminService } from '../service/admin/admin-service.js';
import type { UsageCounters } from '../usage/reports/usage-counters.js';
import type { Tracing } from '../tracing/tracing.js';
import { loadDashboardAssets, type DashboardAssets } from './dashboard/dashboard-assets.js';
import { dashboardRoute, isDashboardPath } from './dashboard/dashboard-route.js';

export interface GatewayOptions {
  service: AIService;
  /** The config snapshot to serve now (swapped by the config watcher). */
  snapshot: () => ConfigSnapshot;
  config: Config;
  /** Receives one JSON-able line per request. */
  log?: (line: Record<string, unknown>) => void;
  /** Readiness (database reachable, registry loaded), run at most once per second for all `/readyz` probes; defaults to "a snapshot is loaded". */
  ready?: () => Promise<boolean>;
  /** Serves `/admin/v1/*` (token: `config.adminToken`); without it those routes answer 404. */
  admin?: AdminService;
  /** Spend and token counters of the recorded ledger rows, exported on /metrics. */
  usageCounters?: UsageCounters;
  /** One server span per request (see src/tracing); off when undefined. */
  tracing?: Tracing | undefined;
  /** The dashboard served at /admin/ (default: dist/dashboard of this package, read once now). */
  dashboard?: DashboardAssets;
}

export interface Gateway {
  server: Server;
  metrics: GatewayMetrics;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, waits for requests in flight (up to `config.shutdownTimeoutMs`), then destroys what is left. */
  close(): Promise<void>;
}

/** A response that knows its exchange, so the `close` listener needs no per-request closure. */
class GatewayResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  exchange: Exchange | undefined;
  state: GatewayState | undefined;
}

const MODEL_PATH = '/v1/models/';
/** How long a readiness answer (`options.ready`, a database query) serves `/readyz` probes. */
const READY_TTL_MS = 1_000;

class GatewayState implements GatewayContext {
  readonly service: AIService;
  readonly snapshot: () => ConfigSnapshot;
  readonly config: Config;
  readonly metrics = new GatewayMetrics();
  readonly ready: () => Promise<boolean>;
  readonly log: ((line: Record<string, unknown>) => void) | undefined;
  readonly admin: AdminService | undefined;
  readonly keyConcurrency: KeyConcurrency;
  readonly bodyBudget: BodyBudget;
  readonly usageCounters: UsageCounters | undefined;
  readonly tracing: Tracing | undefined;
  readonly dashboard: DashboardAssets;
  closing = false;
  inFlight = 0;
  #idle: (() => void) | undefined;

  constructor(options: GatewayOptions) {
    this.service = options.service;
    this.snapshot = options.snapshot;
    this.config = options.config;
    this.log = options.log;
    this.admin = options.admin;
    this.keyConcurrency = new KeyConcurrency(options.config.maxConcurrentPerKey);
    this.bodyBudget = new BodyBudget(options.config.maxBufferedBodyBytes, options.config.maxBufferedBodyBytesPerKey);
    this.usageCounters = options.usageCounters;
    this.tracing = options.tracing;
    this.dashboard = options.dashboard ?? loadDashboardAssets();
    const ready = options.ready;
    this.ready =
      ready === undefined
        ? () => {
            options.snapshot();
            return Promise.resolve(true);
          }
        : sharedCheck(ready, READY_TTL_MS);
  }

  requestStarted(): void {
    this.inFlight += 1;
    this.metrics.setInFlight(this.inFlight);
  }

  requestClosed(): void {
    this.inFlight -= 1;
    this.metrics.setInFlight(this.inFlight);
    if (this.inFlight === 0) this.#idle?.();
  }

  /** Resolves true once nothing is in flight, or false after `timeoutMs`. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#idle = undefined;
        resolve(false);
      }, timeoutMs);
      this.#idle = () => {
        clearTimeout(timer);
        this.#idle = undefined;
        resolve(true);
      };
    });
  }
}

export function createGateway(options: GatewayOptions): Gateway {
  const state = new GatewayState(options);
  const { config } = options;
  // requestTimeout bounds receiving the request (head and body) only, never the answer (streams).
  const requestTimeout = config.requestTimeoutMs;
  const headersTimeout = Math.min(config.headersTimeoutMs, requestTimeout);
  const pipelineGate: PipelineGate = { limit: config.maxConcurrentPerConnection, onLeft: leftWaiting, onHeld: () => state.metrics.pipelinedHeld() };
  const server: Server = createServer(
    {
      ServerResponse: GatewayResponse,
      keepAlive: true,
      noDelay: true,
      requestTimeout,
      headersTimeout,
      // How often Node checks those two timeouts (its default, 30 s, would stretch them).
      connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(headersTimeout / 4))),
      // Checked in dispatch, so that the 400 has OpenAI's shape (Node's own has no body).
      requireHostHeader: false,
    },
    onRequest,
  );
  function onRequest(request: IncomingMessage, response: GatewayResponse): void {
    // A request behind another on its connection (HTTP/1.1 pipelining) may have to wait its turn.
    if (response.socket === null) admitPipelined(request, response, pipelineGate, () => void handleRequest(state, request, response));
    else void handleRequest(state, request, response);
  }
  // `Expect: 100-continue`: Node would write the 100 at once, inviting a body the gateway may refuse
  // (no key, a wrong route, over the limit). The 100 goes out when the body is about to be read.
  server.on('checkContinue', (request: IncomingMessage, response: GatewayResponse) => {
    deferContinue(request, () => {
      if (!response.headersSent && !response.destroyed) response.writeContinue();
    });
    onRequest(request, response);
  });
  // Any other expectation: 417 in OpenAI's shape (Node's own has no body).
  server.on('checkExpectation', (request: IncomingMessage, response: GatewayResponse) => {
    void handleRequest(state, request, response, () => {
      throw new SwitchboardError('invalid_request', 'Expect: only 100-continue is supported.', { status: 417 });
    });
  });
  // Requests Node's parser refuses (malformed heads, smuggling attempts, heads over maxHeaderSize,
  // timeouts): the same statuses as Node's own answers, with OpenAI's error body.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: ServerResponse | null }) => {
    if (error.code === 'ECONNRESET' || !socket.writable || (socket._httpMessage && socket._httpMessage.headersSent)) {
      socket.destroy();
      return;
    }
    socket.write(clientErrorAnswer(error.code));
    socket.destroy();
  });
  // Longer than the usual load balancer idle timeout (60 s), so the gateway never closes first.
  // (headersTimeout counts from a request's first byte, so idle keep-alive sockets are not cut by it.)
  server.keepAliveTimeout = 65_000;
  if (config.maxConnections > 0) server.maxConnections = config.maxConnections;

  let closing: Promise<void> | undefined;
  return {
    server,
    metrics: state.metrics,
    listen: (port, host) =>
      new Promise<AddressInfo>((resolve, reject) => {
        const onError = (error: Error): void => reject(error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () => {
      closing ??= (async () => {
        state.closing = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await state.waitIdle(options.config.shutdownTimeoutMs);
        // Every response is complete (or the time is up): drop the remaining keep-alive sockets.
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

/** Node's reason phrases for the statuses a refused request gets (see the 'clientError' listener). */
const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/** The error for a request Node's parser refused, with the status Node's own answer has. */
function clientErrorOf(code: string | undefined): SwitchboardError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new SwitchboardError('invalid_request', 'The request head (request line and headers) is larger than the limit of 16 KiB.', { status: 431 });
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new SwitchboardError('request_too_large', 'The chunk extensions of the request body are larger than the limit of 16 KiB.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new SwitchboardError(
        'invalid_request',
        'The request was not received in time (SWITCHBOARD_HEADERS_TIMEOUT_MS for its head, SWITCHBOARD_REQUEST_TIMEOUT_MS for all of it).',
        { status: 408 },
      );
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return new SwitchboardError('invalid_request', 'Malformed HTTP request: Content-Length together with Transfer-Encoding, or more than one Content-Length.');
    case 'HPE_INVALID_METHOD':
      return new SwitchboardError('invalid_request', 'Malformed HTTP request: unknown method.');
    default:
      return new SwitchboardError('invalid_request', 'Malformed HTTP request.');
  }
}

/** The raw answer to a request Node's parser refused: Node's status, OpenAI's error body, connection closed. */
function clientErrorAnswer(code: string | undefined): string {
  const http = toHttpError(clientErrorOf(code), '');
  const body = JSON.stringify(http.body);
  return `HTTP/1.1 ${http.status} ${REASONS[http.status] ?? 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

async function handleRequest(
  state: GatewayState,
  request: IncomingMessage,
  response: GatewayResponse,
  check?: (exchange: Exchange) => void,
): Promise<void> {
  let exchange: Exchange | undefined;
  try {
    exchange = new Exchange(request);
    if (state.tracing !== undefined) exchange.span = state.tracing.startRequest(exchange, request);
    response.exchange = exchange;
    response.state = state;
    state.requestStarted();
    // 'close' comes once per response: a plain listener spares once()'s wrapper.
    response.on('close', onResponseClose);
    check?.(exchange);
    const handled = dispatch(state, exchange, request, response);
    if (handled !== undefined) await handled;
  } catch (error) {
    try {
      if (exchange) sendError(state, exchange, response, error);
      else response.destroy();
    } catch {
      response.destroy();
    }
  }
  if (exchange) finishExchange(state, exchange, response);
}

function onResponseClose(this: GatewayResponse): void {
  if (!this.writableFinished) this.exchange?.markClientGone();
  const slotKey = this.exchange?.slotKey;
  if (slotKey !== undefined) this.state?.keyConcurrency.release(slotKey);
  this.state?.requestClosed();
}

/** A pipelined response still waiting when its connection closed: Node never emits its 'close'. */
function leftWaiting(response: ServerResponse): void {
  onResponseClose.call(response as GatewayResponse);
}

/**
 * Routes a request to its handler and hands back the handler's own promise (or nothing for a
 * synchronous answer): an async function here would wrap every answer in one more promise.
 * Throws synchronously for an unknown route; handleRequest catches both alike.
 */
function dispatch(state: GatewayState, exchange: Exchange, request: IncomingMessage, response: GatewayResponse): Promise<void> | void {
  let url = request.url ?? '/';
  // RFC 9112 §3.2.2: absolute-form (`POST http://host/v1/…`, as proxies send it) routes on its path.
  if (url.charCodeAt(0) !== SLASH) url = originForm(url);
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const method = exchange.method;
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused (Node's own check is off: its 400 has no body).
  if (request.headers.host === undefined && request.httpVersionMajor === 1 && request.httpVersionMinor === 1) {
    throw new SwitchboardError('invalid_request', 'Missing Host header (required in HTTP/1.1).');
  }
  switch (path) {
    case '/v1/chat/completions':
      exchange.route = path;
      if (method !== 'POST') return methodNotAllowed(state, exchange, response, 'POST');
      return chatCompletions(state, exchange, request, response);
    case '/v1/responses':
      exchange.route = path;
      if (method !== 'POST') return methodNotAllowed(state, exchange, response, 'POST');
      return responses(state, exchange, request, response);
    case MESSAGES_PATH:
    case COUNT_TOKENS_PATH:
      return messagesRoute(state, exchange, request, response, path);
    case '/v1/embeddings':
      exchange.route = path;
      if (method !== 'POST') return methodNotAllowed(state, exchange, response, 'POST');
      return embeddings(state, exchange, request, response);
    case '/v1/models':
      exchange.route = path;
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
      return listModels(state, exchange, request, response);
    case '/healthz':
      exchange.route = path;
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
      return healthz(state, exchange, response);
    case '/readyz':
      exchange.route = path;
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
      return readyz(state, exchange, response);
    case '/metrics':
      exchange.route = path;
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
      return metrics(state, exchange, request, response);
    default:
      if (isDashboardPath(path)) return dashboardRoute(state, state.dashboard, exchange, request, response, path);
      if (path.startsWith(ADMIN_PREFIX)) {
        return adminRoute(state, state.admin, exchange, request, response, path, query === -1 ? '' : url.slice(query + 1));
      }
      // Other Messages API paths (batches, …) answer 404 in Anthropic's shape.
      if (path.startsWith(`${MESSAGES_PATH}/`)) return messagesRoute(state, exchange, request, response, path);
      if (path.startsWith(MODEL_PATH) && path.length > MODEL_PATH.length) {
        exchange.route = '/v1/models/{model}';
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
        return retrieveModel(state, exchange, request, response, path.slice(MODEL_PATH.length));
      }
      throw new SwitchboardError('not_found', `Unknown route: ${method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`);
  }
}

const SLASH = 47;
/** The `allow` of a read route: HEAD is answered as GET, without the body (Node drops it). */
const READ = 'GET, HEAD';

function methodNotAllowed(state: GatewayState, exchange: Exchange, response: ServerResponse, allowed: string): void {
  const error = new SwitchboardError('invalid_request', `Method ${exchange.method} is not allowed on ${exchange.route}; use ${allowed}.`, {
    status: 405,
  });
  sendError(state, exchange, response, error, ['allow', allowed]);
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * Client text for the log line: printable ASCII as is, any other character as `\uXXXX`. JSON
 * escapes only C0 controls, and `jq -r` or a log viewer turns those back into raw bytes; C1 controls
 * and bidirectional overrides it leaves as they are. Escaped here, none can reach an operator's
 * terminal or rearrange a log line.
 */
function printableAscii(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  return text.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes the request's one log line and records its metrics. Never throws. */
function finishExchange(state: GatewayState, exchange: Exchange, response: ServerResponse): void {
  try {
    if (exchange.clientGone && !response.writableFinished) exchange.status = CLIENT_CLOSED_STATUS;
    const durationMs = performance.now() - exchange.started;
    const upstreamMs = exchange.upstreamMs;
    const model = exchange.modelKnown && exchange.model !== undefined ? exchange.model : '';
    state.metrics.record({
      route: exchange.route,
      model,
      provider: exchange.provider ?? '',
      status: exchange.status,
      durationMs,
      upstreamMs,
      inputTokens: exchange.inputTokens,
      outputTokens: exchange.outputTokens,
      errorCode: exchange.errorCode,
    });
    if (!state.log) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      request_id: exchange.requestId,
      method: exchange.method,
      route: exchange.route,
      project: exchange.owner?.projectName,
      key_id: exchange.owner?.keyId,
      // A name that resolved is a row's; any other is the client's own text.
      model: exchange.modelKnown || exchange.model === undefined ? exchange.model : printableAscii(exchange.model),
      provider: exchange.provider,
      status: exchange.status,
      duration_ms: round(durationMs),
      upstream_ms: upstreamMs === undefined ? undefined : round(upstreamMs),
      overhead_ms: upstreamMs === undefined ? undefined : round(Math.max(0, durationMs - upstreamMs)),
      input_tokens: exchange.inputTokens || undefined,
      output_tokens: exchange.outputTokens || undefined,
      error_code: exchange.errorCode,
    };
    if (state.config.logBodies) {
      line['request_body'] = exchange.requestBody;
      line['response_text'] = exchange.responseText;
    }
    state.log(line);
  } catch {
    // A failing logger must not take the request (or the process) down.
  } finally {
    exchange.span?.end();
  }
}
