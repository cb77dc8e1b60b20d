/**
 * Writing answers: JSON, OpenAI errors and the SSE head, each with the common headers
 * (`x-request-id`, and `x-switchboard-config-version` on /v1 routes).
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { CLIENT_CLOSED_STATUS, type Exchange } from './exchange.js';
import type { GatewayContext } from './gateway-context.js';
import type { ErrorCode } from '../errors.js';
import { GovernanceError } from '../governance/governance-error.js';
import { flattenResponseHead } from './flat-string.js';
import { jsonText } from './json-text.js';
import { ANSWER_SLICE_BYTES, endInSlices } from './client-stall.js';
import { bodyPending, lingerOnClose } from './linger.js';
import { toHttpError, type OpenAIErrorBody } from './openai-error.js';
import { errorFrame } from './sse.js';
import { pushRouteHeaders } from './route-headers.js';

/** How a surface words errors: the answer (status, body) and the SSE frame once the head is sent. */
export interface ErrorFormat<Body> {
  toHttp(error: unknown, requestId: string): { status: number; code: ErrorCode; body: Body; retryAfter: number | undefined };
  frame(body: Body): string;
}

/** OpenAI's error shape, the default of every /v1 route. */
export const openAIErrorFormat: ErrorFormat<OpenAIErrorBody> = { toHttp: toHttpError, frame: errorFrame };

function commonHeaders(gateway: GatewayContext, exchange: Exchange, contentType: string): string[] {
  const headers = ['content-type', contentType, 'x-request-id', exchange.requestId];
  if (exchange.configVersion !== undefined) headers.push('x-switchboard-config-version', String(exchange.configVersion));
  if (exchange.routing !== undefined) pushRouteHeaders(headers, exchange.routing);
  if (exchange.governanceHeaders) for (const header of exchange.governanceHeaders) headers.push(header);
  if (gateway.closing) headers.push('connection', 'close');
  return headers;
}

/**
 * Sends a complete answer with its content-length. An answer sent before the request body was read
 * says `connection: close` and drains the rest of the body before closing (see linger.ts), so the
 * client reads it instead of a connection reset. A long answer is written in slices, so a client
 * that stops reading is cut after `config.clientStallMs` instead of holding it (client-stall.ts).
 */
export function sendBody(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  status: number,
  body: string,
  contentType = 'application/json',
  extraHeaders?: readonly string[],
): void {
  const headers = commonHeaders(gateway, exchange, contentType);
  const length = Buffer.byteLength(body);
  headers.push('content-length', String(length));
  if (extraHeaders) for (const header of extraHeaders) headers.push(header);
  const linger = bodyPending(response.req);
  if (linger && !gateway.closing) headers.push('connection', 'close');
  exchange.status = status;
  response.writeHead(status, headers);
  if (linger) lingerOnClose(response.req, gateway.config);
  if (length <= ANSWER_SLICE_BYTES) response.end(body);
  else void endInSlices(response, Buffer.from(body, 'utf8'), gateway.config.clientStallMs);
}

export function sendJson(gateway: GatewayContext, exchange: Exchange, response: ServerResponse, status: number, value: unknown): void {
  sendBody(gateway, exchange, response, status, jsonText(value));
}

/**
 * Starts a Server-Sent Events answer (`cacheControl`: `no-store` for answers no cache may keep;
 * `requestId`: also as Anthropic's `request-id`, which its SDK reads, on `/v1/messages`).
 */
export function writeSseHead(gateway: GatewayContext, exchange: Exchange, response: ServerResponse, cacheControl = 'no-cache', requestId = false): void {
  const headers = commonHeaders(gateway, exchange, 'text/event-stream; charset=utf-8');
  headers.push('cache-control', cacheControl, 'x-accel-buffering', 'no');
  if (requestId) headers.push('request-id', exchange.requestId);
  exchange.status = 200;
  exchange.sse = true;
  response.writeHead(200, headers);
  // The head's text lives as long as the stream does: one flat string rather than its parts.
  flattenResponseHead(response);
}

/**
 * Answers `error` in OpenAI's shape (or `format`'s). When the head is already sent, an SSE answer
 * gets an error event (which the SDKs raise as APIError) and any answer is ended; a client that is
 * gone gets nothing.
 */
export function sendError<Body = OpenAIErrorBody>(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  error: unknown,
  extraHeaders?: readonly string[],
  format: ErrorFormat<Body> = openAIErrorFormat as unknown as ErrorFormat<Body>,
): void {
  const http = format.toHttp(error, exchange.requestId);
  exchange.errorCode = http.code;
  if (exchange.clientGone || response.destroyed) {
    exchange.status = CLIENT_CLOSED_STATUS;
    return;
  }
  if (response.headersSent) {
    if (!response.writableEnded) {
      if (exchange.sse) response.write(format.frame(http.body));
      response.end();
    }
    return;
  }
  const headers: string[] = http.retryAfter === undefined ? [] : ['retry-after', String(http.retryAfter)];
  if (error instanceof GovernanceError) exchange.governanceHeaders = error.headers;
  if (extraHeaders) for (const header of extraHeaders) headers.push(header);
  sendBody(gateway, exchange, response, http.status, JSON.stringify(http.body), 'application/json', headers);
}
