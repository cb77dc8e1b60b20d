import type { ServerResponse } from 'node:http';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { sendError, type ErrorFormat } from '../send.js';
import { anthropicErrorFrame, toAnthropicError, type AnthropicErrorBody } from './anthropic-error.js';

const anthropicErrorFormat: ErrorFormat<AnthropicErrorBody> = { toHttp: toAnthropicError, frame: anthropicErrorFrame };

/**
 * Answers `error` in Anthropic's shape (the Messages twin of `sendError`, with a `request-id`
 * header, which the Anthropic SDK reports as the error's requestID). After the head, an SSE answer
 * gets an `event: error` frame.
 */
export function sendAnthropicError(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  error: unknown,
  extraHeaders: readonly string[] = [],
): void {
  sendError(gateway, exchange, response, error, ['request-id', exchange.requestId, ...extraHeaders], anthropicErrorFormat);
}
