/**
 * The OpenAI-compatible HTTP gateway on raw `node:http`, no framework (the budget is < 180 µs of CPU
 * per proxied request): the server, its answers to refused requests, and each request's course from
 * its exchange to its log line. The routes are a switch on path and method (dispatch.ts). Everything
 * a request needs comes from the in-memory config snapshot; no database query on the request path.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { deferContinue } from './read-body.js';
import { SwitchboardError } from '../errors.js';
import { Exchange } from './exchange.js';
import { admitPipelined, type PipelineGate } from './pipeline.js';
import type { GatewayMetrics } from './metrics.js';
import { sendError } from './send.js';
import { clientErrorAnswer, MAX_HEAD_BYTES } from './client-error.js';
import { dispatch } from './dispatch.js';
import { GatewayResponse, GatewayState, type GatewayOptions } from './gateway-state.js';
import { finishExchange } from './request-log.js';

export type { GatewayOptions } from './gateway-state.js';

export interface Gateway {
  server: Server;
  metrics: GatewayMetrics;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, waits for requests in flight (up to `config.shutdownTimeoutMs`), then destroys what is left. */
  close(): Promise<void>;
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
      maxHeaderSize: MAX_HEAD_BYTES,
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
