/**
 * `/v1/messages` served by an Anthropic model: the client's body goes to Anthropic unchanged
 * (through `AIService.native`, apart from `model`, replaced by the row's model id, and what the
 * row's `native_fields` rules hold back: see `native-body.ts`), so `cache_control`, thinking blocks
 * and their signatures, the client's tools and every other field arrive as sent; of its
 * `anthropic-beta` flags, those the row lets through (`anthropic-betas.ts`). The answer comes back
 * unchanged apart from `model`, which says the public name the client asked for (as on every
 * Switchboard surface).
 *
 * @module
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { upstreamFailure } from '../../providers/shared/upstream-limits.js';
import type { NativeEvent, NativeStreamAnswer } from '../../providers/spec/index.js';
import type { ModelEntry } from '../../registry/provider-registry.js';
import type { CallContext } from '../../service/ai-service.js';
import { allowedBetas } from '../anthropic-betas.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { type ItemFrames, writeItems } from '../item-writer.js';
import { sendBody, writeSseHead } from '../send.js';
import { nativeFrame } from '../sse.js';
import { sendAnthropicError } from './send-anthropic-error.js';

/**
 * The client headers forwarded to Anthropic: `anthropic-beta` only (the row sets the version and
 * key), reduced to the flags `model`'s row lets through.
 */
export function forwardedHeaders(headers: IncomingHttpHeaders, model: ModelEntry): Record<string, string> | undefined {
  const value = allowedBetas(headers['anthropic-beta'], model);
  return value === undefined ? undefined : { 'anthropic-beta': value };
}

/** Serves the body natively: a JSON answer, or the vendor's event stream passed through. */
export async function serveNativeMessage(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  body: Record<string, unknown>,
  options: { model: string; stream: boolean; headers: Record<string, string> | undefined; context: CallContext },
): Promise<void> {
  // A whole answer is encoded by the service before its ledger row is recorded: one nested too deeply
  // to encode is the provider's 502 in the row and to the client (as on /v1/responses).
  const call = { api: 'anthropic-messages' as const, body, stream: options.stream, encodeJson: encodeMessage, ...(options.headers ? { headers: options.headers } : {}) };
  const { answer, route, encoded } = await gateway.service.native(call, options.context);
  exchange.upstreamMs = route.upstreamMs;
  if (answer.type === 'json') {
    exchange.inputTokens = answer.usage.inputTokens;
    exchange.outputTokens = answer.usage.outputTokens;
    let text: string;
    try {
      text = encoded ?? encodeMessage(answer.body, options.model);
    } catch (error) {
      throw upstreamFailure(route.provider.name, error);
    }
    sendBody(gateway, exchange, response, answer.status, text, 'application/json', ['request-id', exchange.requestId]);
    return;
  }
  // Handed back, not awaited: this frame (the client's body) ends here, not with the stream.
  return passThrough(gateway, exchange, response, answer, options.model);
}

/** A whole answer's text, saying the public model name. */
function encodeMessage(body: Record<string, unknown>, model: string): string {
  return JSON.stringify({ ...body, model });
}

async function passThrough(gateway: GatewayContext, exchange: Exchange, response: ServerResponse, answer: NativeStreamAnswer, model: string): Promise<void> {
  const iterator = answer.events[Symbol.asyncIterator]();
  let upstreamMs = exchange.upstreamMs ?? 0;
  const tokens = (): void => {
    const usage = answer.usage();
    exchange.inputTokens = usage.inputTokens;
    exchange.outputTokens = usage.outputTokens;
  };
  let first: IteratorResult<NativeEvent>;
  try {
    const waitStarted = performance.now();
    first = await iterator.next();
    upstreamMs += performance.now() - waitStarted;
  } catch (error) {
    exchange.upstreamMs = upstreamMs;
    await iterator.return?.().catch(() => undefined);
    tokens();
    throw error;
  }
  if (exchange.clientGone) {
    exchange.upstreamMs = upstreamMs;
    await iterator.return?.().catch(() => undefined);
    tokens();
    return;
  }
  writeSseHead(gateway, exchange, response, 'no-cache', true);
  const frames: ItemFrames<NativeEvent> = {
    frames: (event) => encodeEvent(event, model),
    end: (answered) => answered.end(),
    failed: (error) => sendAnthropicError(gateway, exchange, response, error),
    over: tokens,
  };
  return writeItems(exchange, response, iterator, first, frames, { stallMs: gateway.config.clientStallMs, upstreamMs });
}

/** One vendor event as an SSE frame; `message_start` says the public model name. */
function encodeEvent(event: NativeEvent, model: string): string {
  let data = event.data;
  if (event.event === 'message_start') data = withPublicModel(data, model);
  return nativeFrame(event.event, data);
}

function withPublicModel(data: string, model: string): string {
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value !== 'object' || value === null) return data;
    const message = (value as Record<string, unknown>)['message'];
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return data;
    (message as Record<string, unknown>)['model'] = model;
    return JSON.stringify(value);
  } catch {
    return data;
  }
}
