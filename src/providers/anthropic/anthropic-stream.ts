import { ProviderError } from '../../errors.js';
import type { SseEvent } from '../shared/sse.js';
import type { FinishReason, StreamPart } from '../spec/index.js';
import type { AnthropicUsage } from './anthropic-api.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';
import { mapAnthropicStreamError } from './map-anthropic-error.js';

export interface AnthropicStreamContext {
  provider: string;
  /** Removed from any vendor message that ends up in an error. */
  secrets: readonly (string | undefined)[];
  /** Unix seconds for `stream-start`. */
  created: number;
  /** Fallbacks when the stream has no `message_start` (never seen from the real API). */
  fallbackId: () => string;
  fallbackModel: string;
}

type JsonRecord = Record<string, unknown>;

interface ToolBlock {
  toolCallIndex: number;
  sentArguments: boolean;
}

/**
 * Anthropic's named SSE events → stream parts:
 * `message_start` → `stream-start`; text `content_block_delta` → `text-delta`; a `tool_use`
 * `content_block_start` → `tool-call-delta` with id and name, then its `input_json_delta` pieces as
 * `argumentsDelta`; a `thinking` block's `thinking_delta` / `signature_delta` → `reasoning-delta`
 * (text, then signature) and a `redacted_thinking` block → one `reasoning-delta` with its data;
 * `message_delta` carries the stop reason and the (cumulative) usage; `message_stop` → `finish`.
 * `ping`, citation deltas and unknown events are skipped. `event:
 * error` → one `error` part, then nothing. Events after `message_stop` are read (so the pooled
 * connection stays reusable) but ignored; a body that ends before `message_stop` is an error part.
 *
 * Each event is JSON-parsed once and read with structural checks (no schema per chunk).
 */
export async function* convertAnthropicStream(
  events: AsyncIterable<SseEvent>,
  context: AnthropicStreamContext,
): AsyncGenerator<StreamPart> {
  let started = false;
  let finished = false;
  let finishReason: FinishReason = 'stop';
  const usage: AnthropicUsage = {};
  const toolBlocks = new Map<number, ToolBlock>();
  let toolCallCount = 0;
  /** Content block index → reasoning index, for thinking blocks. */
  const reasoningBlocks = new Map<number, number>();

  for await (const event of events) {
    if (finished || event.event === 'ping') continue;
    const data = parseEventData(event.data);
    if (data === undefined) {
      yield { type: 'error', error: streamError(context.provider, 'sent a stream event that is not JSON') };
      return;
    }
    const kind = event.event ?? (typeof data['type'] === 'string' ? data['type'] : undefined);
    if (kind === 'error') {
      yield { type: 'error', error: mapAnthropicStreamError(context.provider, data, context.secrets) };
      return;
    }
    if (kind === 'message_start') {
      const message = asRecord(data['message']);
      mergeUsage(usage, asRecord(message?.['usage']));
      if (!started) {
        started = true;
        yield startPart(context, message);
      }
      continue;
    }
    if (!started && kind !== undefined && knownEvents.has(kind)) {
      started = true;
      yield startPart(context, undefined);
    }

    switch (kind) {
      case 'content_block_start': {
        const block = asRecord(data['content_block']);
        const index = data['index'];
        if (block?.['type'] === 'tool_use' && typeof index === 'number') {
          const toolCallIndex = toolCallCount++;
          toolBlocks.set(index, { toolCallIndex, sentArguments: false });
          yield {
            type: 'tool-call-delta',
            toolCallIndex,
            id: stringField(block, 'id') ?? context.fallbackId(),
            name: stringField(block, 'name') ?? '',
            argumentsDelta: '',
          };
        } else if ((block?.['type'] === 'thinking' || block?.['type'] === 'redacted_thinking') && typeof index === 'number') {
          const reasoningIndex = reasoningBlocks.size;
          reasoningBlocks.set(index, reasoningIndex);
          const data = block['data'];
          if (typeof data === 'string') yield { type: 'reasoning-delta', index: reasoningIndex, redactedData: data };
        } else if (block?.['type'] === 'text' && typeof block['text'] === 'string' && block['text'] !== '') {
          yield { type: 'text-delta', text: block['text'] };
        }
        break;
      }
      case 'content_block_delta': {
        const delta = asRecord(data['delta']);
        if (delta?.['type'] === 'text_delta') {
          const text = delta['text'];
          if (typeof text === 'string' && text !== '') yield { type: 'text-delta', text };
        } else if (delta?.['type'] === 'thinking_delta' || delta?.['type'] === 'signature_delta') {
          const reasoningIndex = typeof data['index'] === 'number' ? reasoningBlocks.get(data['index']) : undefined;
          const text = delta['thinking'];
          const signature = delta['signature'];
          if (reasoningIndex !== undefined && typeof text === 'string' && text !== '') yield { type: 'reasoning-delta', index: reasoningIndex, text };
          if (reasoningIndex !== undefined && typeof signature === 'string') yield { type: 'reasoning-delta', index: reasoningIndex, signature };
        } else if (delta?.['type'] === 'input_json_delta') {
          const tool = typeof data['index'] === 'number' ? toolBlocks.get(data['index']) : undefined;
          const piece = delta['partial_json'];
          if (tool !== undefined && typeof piece === 'string' && piece !== '') {
            tool.sentArguments = true;
            yield { type: 'tool-call-delta', toolCallIndex: tool.toolCallIndex, argumentsDelta: piece };
          }
        }
        break;
      }
      case 'content_block_stop': {
        const tool = typeof data['index'] === 'number' ? toolBlocks.get(data['index']) : undefined;
        // A tool called without arguments streams no input_json_delta; OpenAI clients expect "{}".
        if (tool !== undefined && !tool.sentArguments) {
          tool.sentArguments = true;
          yield { type: 'tool-call-delta', toolCallIndex: tool.toolCallIndex, argumentsDelta: '{}' };
        }
        break;
      }
      case 'message_delta': {
        const delta = asRecord(data['delta']);
        const stopReason = delta?.['stop_reason'];
        if (typeof stopReason === 'string') finishReason = mapAnthropicFinishReason(stopReason);
        mergeUsage(usage, asRecord(data['usage']));
        break;
      }
      case 'message_stop':
        finished = true;
        yield { type: 'finish', finishReason, usage: convertAnthropicUsage(usage) };
        break;
      default:
        break;
    }
  }
  if (!finished) {
    yield { type: 'error', error: streamError(context.provider, 'ended the stream before message_stop') };
  }
}

const knownEvents = new Set(['content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);

function startPart(context: AnthropicStreamContext, message: JsonRecord | undefined): StreamPart {
  return {
    type: 'stream-start',
    id: stringField(message, 'id') ?? context.fallbackId(),
    model: stringField(message, 'model') ?? context.fallbackModel,
    created: context.created,
  };
}

/** Usage fields are cumulative: each one present replaces the earlier value. */
function mergeUsage(target: AnthropicUsage, source: JsonRecord | undefined): void {
  if (source === undefined) return;
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    const value = source[key];
    if (typeof value === 'number') target[key] = value;
  }
  const details = asRecord(source['output_tokens_details']);
  if (typeof details?.['thinking_tokens'] === 'number') target.output_tokens_details = { thinking_tokens: details['thinking_tokens'] };
}

function parseEventData(text: string): JsonRecord | undefined {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): JsonRecord | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonRecord) : undefined;
}

function stringField(record: JsonRecord | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' ? value : undefined;
}

function streamError(provider: string, what: string): ProviderError {
  return new ProviderError('provider_error', `Provider '${provider}' ${what}`, { provider, status: 502 });
}
