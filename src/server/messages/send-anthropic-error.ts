import type { ServerResponse } from 'node:http';
import { CLIENT_CLOSED_STATUS, type Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { sendBody } from '../send.js';
import { anthropicErrorFrame, toAnthropicError } from './anthropic-error.js';

/**
 * Answers `error` in Anthropic's shape (the Messages twin of `sendError`). When the head is
 * already sent, an SSE answer gets an `event: error` frame and any answer is ended; a client that
 * is gone gets nothing.
 */
export function sendAnthropicError(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  error: unknown,
  extraHeaders?: readonly string[],
): void {
  const http = toAnthropicError(error, exchange.requestId);
  exchange.errorCode = http.code;
  if (exchange.clientGone || response.destroyed) {
    exchange.status = CLIENT_CLOSED_STATUS;
    return;
  }
  if (response.headersSent) {
    if (!response.writableEnded) {
      if (exchange.sse) response.write(anthropicErrorFrame(http.body));
      response.end();
    }
    return;
  }
  // Anthropic's SDK reports `request-id` as the error's requestID.
  const headers: string[] = ['request-id', exchange.requestId];
  if (http.retryAfter !== undefined) headers.push('retry-after', String(http.retryAfter));
  // A refused oversized body is not read; closing the connection stops the upload.
  if (http.status === 413 && !gateway.closing) headers.push('connection', 'close');
  if (extraHeaders) for (const header of extraHeaders) headers.push(header);
  sendBody(gateway, exchange, response, http.status, JSON.stringify(http.body), 'application/json', headers);
}
