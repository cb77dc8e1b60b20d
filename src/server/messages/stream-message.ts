import type { ServerResponse } from 'node:http';
import type { CallContext, PublicChatRequest } from '../../service/ai-service.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { pumpParts } from '../stream-parts.js';
import { MessageEventEncoder } from './messages-stream.js';
import { sendAnthropicError } from './send-anthropic-error.js';

/**
 * Streams a normalized answer as Anthropic Messages events. Errors before the first part reject
 * (the caller answers with a status); after the head, an `error` part or a thrown error becomes
 * `event: error` and the answer ends. Backpressure and client aborts work as for chat completions.
 */
export function streamMessage(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  request: PublicChatRequest,
  context: CallContext,
): Promise<void> {
  // Not async, and only the model in the closures: the request is not kept for the stream's life.
  const { model } = request;
  const keepText = gateway.config.logBodies;
  return gateway.service.stream(request, context).then((outcome) => {
    const { provider } = outcome.route;
    const encoder = (): MessageEventEncoder => new MessageEventEncoder(model, provider.name, provider.provider?.family, keepText);
    return pumpParts(gateway, exchange, response, outcome, encoder, '', failMessageStream, true);
  });
}

function failMessageStream(gateway: GatewayContext, exchange: Exchange, response: ServerResponse, error: unknown): void {
  sendAnthropicError(gateway, exchange, response, error);
}
