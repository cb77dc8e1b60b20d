import type { ServerResponse } from 'node:http';
import type { StreamPart } from '../../providers/spec/index.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { toHttpError } from '../openai-error.js';
import type { ParsedChatRequest } from '../parse-chat-request.js';
import { writeSseHead } from '../send.js';
import { ChatChunkEncoder, errorFrame, SSE_DONE } from '../sse.js';

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
  projectId: string,
): Promise<void> {
  const outcome = await gateway.service.stream(parsed.request, { projectId, signal: exchange.signal });
  const iterator = outcome.parts[Symbol.asyncIterator]();
  let upstreamMs = outcome.route.upstreamMs;
  let exhausted = false;
  try {
    // The first part is already here (the service waited for it); an error part in first place
    // still gets a proper HTTP status.
    let next = await iterator.next();
    if (!next.done && next.value.type === 'error') throw next.value.error;
    if (exchange.clientGone) return;
    writeSseHead(gateway, exchange, response);
    const encoder = new ChatChunkEncoder(parsed.request.model, parsed.includeUsage, gateway.config.logBodies);
    while (!next.done) {
      const part: StreamPart = next.value;
      if (part.type === 'error') {
        endWithError(exchange, response, part.error);
        return;
      }
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
    response.end(SSE_DONE);
  } catch (error) {
    if (!response.headersSent) throw error;
    if (!exchange.clientGone) endWithError(exchange, response, error);
  } finally {
    exchange.upstreamMs = upstreamMs;
    if (!exhausted) await iterator.return?.().catch(() => undefined);
  }
}

/**
 * Writes a frame, corking the socket until the current burst of microtasks is over: the parts
 * decoded from one upstream read leave in one write syscall instead of one each, with no added
 * latency (the uncork runs before the event loop goes back to I/O).
 */
export function writeBatched(exchange: Exchange, response: ServerResponse, frame: string): boolean {
  if (!exchange.corked) {
    exchange.corked = true;
    response.cork();
    process.nextTick(uncork, exchange, response);
  }
  return response.write(frame);
}

function uncork(exchange: Exchange, response: ServerResponse): void {
  exchange.corked = false;
  response.uncork();
}

function endWithError(exchange: Exchange, response: ServerResponse, error: unknown): void {
  const http = toHttpError(error, exchange.requestId);
  exchange.errorCode = http.code;
  if (response.writableEnded) return;
  response.write(errorFrame(http.body));
  response.end();
}

/** Resolves on `drain`, or on `close` when the client went away instead. */
export function drained(response: ServerResponse): Promise<void> {
  // 'close' may have fired already; it does not fire twice.
  if (response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
