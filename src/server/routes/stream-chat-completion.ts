import type { ServerResponse } from 'node:http';
import type { KeyOwner } from '../../registry/api-key-index.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { toHttpError } from '../openai-error.js';
import type { ParsedChatRequest } from '../parse-chat-request.js';
import { ChatChunkEncoder, errorFrame, SSE_DONE } from '../sse.js';
import { pumpParts } from '../stream-parts.js';
import { callContext } from './v1-request.js';

/**
 * Streams a chat completion as SSE. Errors before the first part reject (the caller answers with
 * a status); after the head, an `error` part or a thrown error becomes an error event, then the
 * answer ends. Chunks are written as they arrive, waiting for `drain` when the client is slow (so
 * backpressure reaches the upstream). A client that goes away aborts the upstream (the exchange's
 * signal) and the parts iterator is closed with `return()`.
 */
export async function streamChatCompletion(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  parsed: ParsedChatRequest,
  owner: KeyOwner,
): Promise<void> {
  const outcome = await gateway.service.stream(parsed.request, callContext(exchange, owner));
  const encoder = (): ChatChunkEncoder => new ChatChunkEncoder(parsed.request.model, parsed.includeUsage, gateway.config.logBodies);
  try {
    await pumpParts(gateway, exchange, response, outcome, encoder, SSE_DONE);
  } catch (error) {
    if (!response.headersSent) throw error;
    if (!exchange.clientGone) endWithError(exchange, response, error);
  }
}

function endWithError(exchange: Exchange, response: ServerResponse, error: unknown): void {
  const http = toHttpError(error, exchange.requestId);
  exchange.errorCode = http.code;
  if (response.writableEnded) return;
  response.write(errorFrame(http.body));
  response.end();
}
