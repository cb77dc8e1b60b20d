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
export async function streamMessage(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  request: PublicChatRequest,
  context: CallContext,
): Promise<void> {
  const outcome = await gateway.service.stream(request, context);
  const { provider } = outcome.route;
  const encoder = (): MessageEventEncoder => new MessageEventEncoder(request.model, provider.name, provider.provider?.family, gateway.config.logBodies);
  try {
    await pumpParts(gateway, exchange, response, outcome, encoder, '');
  } catch (error) {
    if (!response.headersSent) throw error;
    sendAnthropicError(gateway, exchange, response, error);
  }
}
