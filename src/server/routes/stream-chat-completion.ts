import type { ServerResponse } from 'node:http';
import { upstreamFailure } from '../../providers/shared/upstream-limits.js';
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
export function streamChatCompletion(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  parsed: ParsedChatRequest,
  owner: KeyOwner,
): Promise<void> {
  // Not async, and nothing of `parsed` but these in the closures: the request is not kept for the stream's life.
  const { model } = parsed.request;
  const { includeUsage } = parsed;
  const keepText = gateway.config.logBodies;
  const encoder = (): ChatChunkEncoder => new ChatChunkEncoder(model, includeUsage, keepText);
  return gateway.service
    .stream(parsed.request, callContext(exchange, owner))
    .then((outcome) => pumpParts(gateway, exchange, response, outcome, encoder, SSE_DONE, endWithError));
}

function endWithError(_gateway: GatewayContext, exchange: Exchange, response: ServerResponse, error: unknown): void {
  if (exchange.clientGone) return;
  // A chunk carries the vendor's `logprobs` as they came: a stack overflow encoding one is the
  // vendor's JSON nested too deeply, the provider's error (set on the exchange with the model).
  const http = toHttpError(exchange.provider === undefined ? error : upstreamFailure(exchange.provider, error), exchange.requestId);
  exchange.errorCode = http.code;
  if (response.writableEnded) return;
  response.write(errorFrame(http.body));
  response.end();
}
