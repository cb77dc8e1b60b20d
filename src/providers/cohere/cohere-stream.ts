import { ProviderError } from '../../errors.js';
import { networkError } from '../shared/http.js';
import type { SseEvent } from '../shared/sse.js';
import type { StreamPart } from '../spec/index.js';
import { cohereMessageEndDeltaSchema } from './cohere-api.js';
import { cohereStreamError } from './map-cohere-error.js';
import { mapCohereFinishReason } from './map-cohere-finish-reason.js';
import { mapCohereUsage } from './map-cohere-usage.js';
import type { CancelSignal } from '../../cancel.js';

export interface CohereStreamContext {
  provider: string;
  model: string;
  /** Unix seconds. */
  created: number;
  randomId: () => string;
  /** Removed from any vendor message that ends up in an error. */
  secrets: readonly (string | undefined)[];
  signal?: CancelSignal;
}

/**
 * Maps Cohere v2 stream events to StreamParts. The event kind is read from the JSON `type` (the
 * SSE `event:` name repeats it). Chunks get a cheap structural check, not a zod parse; only the
 * single `message-end` delta is validated. `message-end` with ERROR/TIMEOUT (or an `error` text)
 * is Cohere's in-stream failure. After `message-end` the rest of the body is read up to
 * `data: [DONE]` so a consumer that keeps iterating leaves the connection reusable.
 */
export async function* convertCohereStream(
  events: AsyncIterable<SseEvent>,
  context: CohereStreamContext,
): AsyncGenerator<StreamPart> {
  let started = false;
  let ended = false;
  const toolIndexes = new Map<number, number>();
  let currentToolIndex = -1;

  const start = (id: unknown): StreamPart => {
    started = true;
    return {
      type: 'stream-start',
      id: typeof id === 'string' && id !== '' ? id : context.randomId(),
      model: context.model,
      created: context.created,
    };
  };
  const fail = (message: string): ProviderError =>
    new ProviderError('provider_error', `Provider '${context.provider}' ${message}`, { provider: context.provider, status: 502 });

  try {
    for await (const event of events) {
      if (event.data === '[DONE]') break;
      if (ended) continue;
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        if (!started) yield start(undefined);
        yield { type: 'error', error: fail('sent a stream event that is not JSON') };
        return;
      }
      const type = field(chunk, 'type') ?? event.event;
      if (!started) yield start(type === 'message-start' ? field(chunk, 'id') : undefined);
      const message = field(field(chunk, 'delta'), 'message');

      switch (type) {
        case 'content-delta': {
          const content = field(message, 'content');
          const text = field(content, 'text');
          const thinking = field(content, 'thinking');
          if (typeof thinking === 'string' && thinking !== '') yield { type: 'reasoning-delta', index: 0, text: thinking };
          if (typeof text === 'string' && text !== '') yield { type: 'text-delta', text };
          break;
        }
        case 'tool-call-start': {
          // `tool_calls` in stream deltas is one object (not an array as in the full response).
          const call = single(field(message, 'tool_calls'));
          const vendorIndex = field(chunk, 'index');
          currentToolIndex = toolIndexes.size;
          if (typeof vendorIndex === 'number') toolIndexes.set(vendorIndex, currentToolIndex);
          const id = field(call, 'id');
          const name = field(field(call, 'function'), 'name');
          const args = field(field(call, 'function'), 'arguments');
          yield {
            type: 'tool-call-delta',
            toolCallIndex: currentToolIndex,
            id: typeof id === 'string' ? id : context.randomId(),
            name: typeof name === 'string' ? name : '',
            argumentsDelta: typeof args === 'string' ? args : '',
          };
          break;
        }
        case 'tool-call-delta': {
          const args = field(field(single(field(message, 'tool_calls')), 'function'), 'arguments');
          if (typeof args !== 'string' || args === '') break;
          const vendorIndex = field(chunk, 'index');
          const index = (typeof vendorIndex === 'number' ? toolIndexes.get(vendorIndex) : undefined) ?? currentToolIndex;
          yield { type: 'tool-call-delta', toolCallIndex: Math.max(index, 0), argumentsDelta: args };
          break;
        }
        case 'message-end': {
          ended = true;
          const parsed = cohereMessageEndDeltaSchema.safeParse(field(chunk, 'delta') ?? {});
          if (!parsed.success) {
            yield { type: 'error', error: fail('sent a malformed message-end event') };
            break;
          }
          const { finish_reason: reason, error, usage } = parsed.data;
          if (reason === 'ERROR' || reason === 'TIMEOUT' || error) {
            yield { type: 'error', error: cohereStreamError(context.provider, reason, error, context.secrets) };
            break;
          }
          yield { type: 'finish', finishReason: mapCohereFinishReason(reason), usage: mapCohereUsage(usage) };
          break;
        }
        default:
          // message-start, content-start/end, tool-plan-delta, tool-call-end, citation-*: nothing to emit.
          break;
      }
    }
  } catch (error) {
    if (context.signal?.aborted) throw context.signal.reason ?? error;
    const mapped = networkError(context.provider, error, context.signal);
    if (!started) yield start(undefined);
    yield { type: 'error', error: mapped instanceof ProviderError ? mapped : fail('stream failed') };
    return;
  }
  if (!ended) {
    if (!started) yield start(undefined);
    yield { type: 'error', error: fail('ended the stream before message-end') };
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function single(value: unknown): unknown {
  return Array.isArray(value) ? (value[0] as unknown) : value;
}
