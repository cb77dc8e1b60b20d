import type { ServerResponse } from 'node:http';
import type { ProviderFamily, StreamPart } from '../../providers/spec/index.js';
import type { CallContext, PublicChatRequest } from '../../service/ai-service.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { drained, writeBatched } from '../routes/stream-chat-completion.js';
import { writeSseHead } from '../send.js';
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
  const iterator = outcome.parts[Symbol.asyncIterator]();
  let upstreamMs = outcome.route.upstreamMs;
  let exhausted = false;
  try {
    let next = await iterator.next();
    if (!next.done && next.value.type === 'error') throw next.value.error;
    if (exchange.clientGone) return;
    writeSseHead(gateway, exchange, response);
    const family: ProviderFamily | undefined = outcome.route.provider.provider?.family;
    const encoder = new MessageEventEncoder(request.model, outcome.route.provider.name, family, gateway.config.logBodies);
    while (!next.done) {
      const part: StreamPart = next.value;
      if (part.type === 'error') throw part.error;
      if (part.type === 'finish') {
        exchange.inputTokens = part.usage.inputTokens;
        exchange.outputTokens = part.usage.outputTokens;
      }
      if (exchange.clientGone) return;
      if (!writeBatched(exchange, response, encoder.encode(part))) await drained(response);
      if (exchange.clientGone) return;
      const waitStarted = performance.now();
      next = await iterator.next();
      upstreamMs += performance.now() - waitStarted;
    }
    exhausted = true;
    if (encoder.text !== undefined) exchange.responseText = encoder.text;
    response.end();
  } catch (error) {
    if (!response.headersSent) throw error;
    sendAnthropicError(gateway, exchange, response, error);
  } finally {
    exchange.upstreamMs = upstreamMs;
    if (!exhausted) await iterator.return?.().catch(() => undefined);
  }
}
