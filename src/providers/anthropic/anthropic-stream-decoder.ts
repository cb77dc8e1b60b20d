import { SsePartsDecoder } from '../shared/sse-parts-decoder.js';
import { unreportedUsage } from '../shared/usage-buckets.js';
import type { FinishReason, Usage } from '../spec/index.js';
import type { AnthropicUsage } from './anthropic-api.js';
import { convertAnthropicUsage, isWebSearchCall } from './convert-anthropic-usage.js';
import { DeltaTemplate } from './delta-template.js';
import { mapAnthropicStreamError } from './map-anthropic-error.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';
import { vendorAnswerId } from '../shared/answer-id.js';
import { toolUseId } from './tool-use-id.js';

export interface AnthropicStreamContext {
  provider: string;
  /** Removed from any vendor message that ends up in an error. */
  secrets: readonly (string | undefined)[];
  /** Unix seconds for `stream-start`. */
  created: number;
  /** Fallbacks when the stream has no `message_start` (never seen from the real API); `fallbackId` also makes a `tool_use` block's missing id. */
  fallbackId: () => string;
  fallbackModel: string;
}

type JsonRecord = Record<string, unknown>;

interface ToolBlock {
  toolCallIndex: number;
  sentArguments: boolean;
}

/** Templates that may miss in a row before a stream parses every event (see DeltaTemplate). */
const maxMisses = 4;

const knownEvents = new Set(['content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);

/**
 * Anthropic's named SSE events as stream parts, decoded synchronously chunk by chunk:
 * `message_start` → `stream-start`; text `content_block_delta` → `text-delta`; a `tool_use`
 * `content_block_start` → `tool-call-delta` with id (`toolu_<random>` when it has none) and name (an
 * error part when it has none), then its `input_json_delta` pieces as
 * `argumentsDelta`; a `thinking` block's `thinking_delta` / `signature_delta` → `reasoning-delta`
 * (text, then signature) and a `redacted_thinking` block → one `reasoning-delta` with its data;
 * `message_delta` carries the stop reason and the (cumulative) usage; `message_stop` → `finish`.
 * A `web_search` server-tool call's block is counted (the searches of a stream cut before its usage).
 * `ping`, citation deltas and unknown events are skipped. `event: error` → one `error` part, then
 * nothing. After `message_stop` (or an error) the rest of the body is not needed: its events are
 * ignored and it is released, so the pooled connection stays reusable. A body that ends before
 * `message_stop` is an error part.
 *
 * Each event is JSON-parsed once and read with structural checks (no schema per chunk); a text or
 * thinking delta that is the previous one's text around another string is read without parsing
 * (see DeltaTemplate).
 */
export class AnthropicStreamDecoder extends SsePartsDecoder {
  readonly #context: AnthropicStreamContext;
  #started = false;
  #finishReason: FinishReason = 'stop';
  readonly #usage: AnthropicUsage = {};
  readonly #toolBlocks = new Map<number, ToolBlock>();
  #toolCallCount = 0;
  /** `web_search` server-tool calls seen: the searches of a stream cut before its final usage. */
  #searches = 0;
  /** Content block index → reasoning index, for thinking blocks. */
  readonly #reasoningBlocks = new Map<number, number>();
  /** The last text or thinking delta, to read the next ones without parsing them. */
  #template: DeltaTemplate | undefined;
  /** Templates made in a row that the next delta did not match; at `maxMisses` this stream stops making them. */
  #misses = 0;

  constructor(maxEventBytes: number, context: AnthropicStreamContext) {
    super(context.provider, maxEventBytes);
    this.#context = context;
  }

  protected close(): void {
    if (!this.complete) this.fail(this.protocolError('ended the stream before message_stop'));
  }

  /**
   * The usage of `message_start` and the `message_delta`s so far (undefined before any), with the
   * web searches seen when more than reported (a stream cut before its final usage).
   */
  reported(): Usage | undefined {
    return Object.keys(this.#usage).length > 0 ? convertAnthropicUsage(this.#usage, this.#searches) : undefined;
  }

  /** `message_stop` completes the stream: later events are ignored. */
  event(name: string | undefined, data: string): void {
    if (this.complete || this.failed || name === 'ping') return;
    const template = this.#template;
    if (template !== undefined) {
      const text = template.match(name, data);
      if (text !== undefined) {
        this.#misses = 0;
        return this.#delta(template.deltaType, template.index, text);
      }
    }
    const record = parseEventData(data);
    if (record === undefined) return this.fail(this.protocolError('sent a stream event that is not JSON'));
    const kind = name ?? (typeof record['type'] === 'string' ? record['type'] : undefined);
    if (kind === 'error') return this.fail(mapAnthropicStreamError(this.provider, record, this.#context.secrets));
    const out = this.out;
    if (kind === 'message_start') {
      const message = asRecord(record['message']);
      mergeUsage(this.#usage, asRecord(message?.['usage']));
      if (!this.#started) this.#start(message);
      return;
    }
    if (!this.#started && kind !== undefined && knownEvents.has(kind)) this.#start(undefined);
    switch (kind) {
      case 'content_block_start':
        return this.#blockStart(record);
      case 'content_block_delta':
        this.#blockDelta(record);
        // A delta that did not match becomes the template, unless this stream's deltas keep changing.
        if (this.#misses < maxMisses) {
          const next = DeltaTemplate.of(name, data, record);
          if (next !== undefined) {
            if (template !== undefined) this.#misses += 1;
            this.#template = next;
          }
        }
        return;
      case 'content_block_stop': {
        const tool = typeof record['index'] === 'number' ? this.#toolBlocks.get(record['index']) : undefined;
        // A tool called without arguments streams no input_json_delta; OpenAI clients expect "{}".
        if (tool !== undefined && !tool.sentArguments) {
          tool.sentArguments = true;
          out.push({ type: 'tool-call-delta', toolCallIndex: tool.toolCallIndex, argumentsDelta: '{}' });
        }
        return;
      }
      case 'message_delta': {
        const stopReason = asRecord(record['delta'])?.['stop_reason'];
        if (typeof stopReason === 'string') this.#finishReason = mapAnthropicFinishReason(stopReason);
        mergeUsage(this.#usage, asRecord(record['usage']));
        return;
      }
      case 'message_stop': {
        this.complete = true;
        const usage = this.#usage;
        // A stream without any usage field reported nothing (the ledger estimates it).
        out.push({ type: 'finish', finishReason: this.#finishReason, usage: Object.keys(usage).length > 0 ? convertAnthropicUsage(usage) : unreportedUsage() });
        return;
      }
      default:
        return;
    }
  }

  #blockStart(record: JsonRecord): void {
    const block = asRecord(record['content_block']);
    const index = record['index'];
    if (block?.['type'] === 'tool_use' && typeof index === 'number') {
      const name = stringField(block, 'name');
      if (name === undefined || name === '') return this.fail(this.protocolError('returned a tool_use block without a name'));
      const toolCallIndex = this.#toolCallCount++;
      this.#toolBlocks.set(index, { toolCallIndex, sentArguments: false });
      this.out.push({ type: 'tool-call-delta', toolCallIndex, id: toolUseId(block['id'], this.#context.fallbackId), name, argumentsDelta: '' });
    } else if ((block?.['type'] === 'thinking' || block?.['type'] === 'redacted_thinking') && typeof index === 'number') {
      const reasoningIndex = this.#reasoningBlocks.size;
      this.#reasoningBlocks.set(index, reasoningIndex);
      const redactedData = block['data'];
      if (typeof redactedData === 'string') this.out.push({ type: 'reasoning-delta', index: reasoningIndex, redactedData });
    } else if (block?.['type'] === 'text' && typeof block['text'] === 'string' && block['text'] !== '') {
      this.out.push({ type: 'text-delta', text: block['text'] });
    } else if (isWebSearchCall(block)) {
      this.#searches += 1;
    }
  }

  #blockDelta(record: JsonRecord): void {
    const delta = asRecord(record['delta']);
    const index = record['index'];
    if (delta?.['type'] === 'text_delta') {
      const text = delta['text'];
      if (typeof text === 'string') this.#delta('text_delta', index, text);
    } else if (delta?.['type'] === 'thinking_delta' || delta?.['type'] === 'signature_delta') {
      const reasoningIndex = typeof index === 'number' ? this.#reasoningBlocks.get(index) : undefined;
      if (reasoningIndex === undefined) return;
      const text = delta['thinking'];
      const signature = delta['signature'];
      if (typeof text === 'string' && text !== '') this.out.push({ type: 'reasoning-delta', index: reasoningIndex, text });
      if (typeof signature === 'string') this.out.push({ type: 'reasoning-delta', index: reasoningIndex, signature });
    } else if (delta?.['type'] === 'input_json_delta') {
      const tool = typeof index === 'number' ? this.#toolBlocks.get(index) : undefined;
      const piece = delta['partial_json'];
      if (tool !== undefined && typeof piece === 'string' && piece !== '') {
        tool.sentArguments = true;
        this.out.push({ type: 'tool-call-delta', toolCallIndex: tool.toolCallIndex, argumentsDelta: piece });
      }
    }
  }

  /** A text delta's part, or a thinking delta's (of a known thinking block); none for an empty text. */
  #delta(type: 'text_delta' | 'thinking_delta', index: unknown, text: string): void {
    if (text === '') return;
    if (type === 'text_delta') {
      this.out.push({ type: 'text-delta', text });
      return;
    }
    const reasoningIndex = typeof index === 'number' ? this.#reasoningBlocks.get(index) : undefined;
    if (reasoningIndex !== undefined) this.out.push({ type: 'reasoning-delta', index: reasoningIndex, text });
  }

  #start(message: JsonRecord | undefined): void {
    this.#started = true;
    this.out.push({
      type: 'stream-start',
      id: vendorAnswerId(message?.['id']) ?? this.#context.fallbackId(),
      model: stringField(message, 'model') ?? this.#context.fallbackModel,
      created: this.#context.created,
    });
  }
}

/** Usage fields are cumulative: each one present replaces the earlier value (never added). */
function mergeUsage(target: AnthropicUsage, source: JsonRecord | undefined): void {
  if (source === undefined) return;
  for (const [key, value] of Object.entries(source)) {
    if (value !== null && value !== undefined) target[key] = value;
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
