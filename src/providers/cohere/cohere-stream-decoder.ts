import { SsePartsDecoder } from '../shared/sse-parts-decoder.js';
import type { StreamPart } from '../spec/index.js';
import { cohereMessageEndDeltaSchema } from './cohere-api.js';
import { ContentTemplate } from './content-template.js';
import { cohereStreamError } from './map-cohere-error.js';
import { mapCohereFinishReason } from './map-cohere-finish-reason.js';
import { mapCohereUsage } from './map-cohere-usage.js';
import { vendorAnswerId } from '../shared/answer-id.js';

/** Templates that may miss in a row before a stream parses every event (see ContentTemplate). */
const maxMisses = 4;

export interface CohereStreamContext {
  provider: string;
  model: string;
  /** Unix seconds. */
  created: number;
  randomId: () => string;
  /** Removed from any vendor message that ends up in an error. */
  secrets: readonly (string | undefined)[];
}

/**
 * Cohere v2 stream events as stream parts, decoded synchronously chunk by chunk. The event kind is
 * read from the JSON `type` (the SSE `event:` name repeats it). Chunks get a cheap structural
 * check, not a zod parse; only the single `message-end` delta is validated. `message-end` with
 * ERROR/TIMEOUT (or an `error` text) is Cohere's in-stream failure. After `message-end` the body is
 * read on to `data: [DONE]` (its events ignored), so that a consumer that keeps iterating leaves
 * the connection reusable; a body that ends before `message-end` is an error part. A content delta
 * that is the previous one's text around another string is read without parsing (ContentTemplate).
 */
export class CohereStreamDecoder extends SsePartsDecoder {
  readonly #context: CohereStreamContext;
  #started = false;
  /** `message-end` arrived (as `finish` or an error part); the body is read on to `[DONE]`. */
  #ended = false;
  /** Vendor tool-call index → ours. */
  readonly #toolIndexes = new Map<number, number>();
  #currentToolIndex = -1;
  /** The last text or thinking delta, to read the next ones without parsing them. */
  #template: ContentTemplate | undefined;
  /** Templates made in a row that the next delta did not match; at `maxMisses` this stream stops making them. */
  #misses = 0;

  constructor(maxEventBytes: number, context: CohereStreamContext) {
    super(context.provider, maxEventBytes);
    this.#context = context;
  }

  protected close(): void {
    if (this.#ended) return;
    if (!this.#started) this.#start(undefined);
    this.fail(this.protocolError('ended the stream before message-end'));
  }

  beforeFailure(out: StreamPart[]): void {
    this.out = out;
    if (!this.#started) this.#start(undefined);
  }

  /** Events after `[DONE]`, or after `message-end` up to it, are ignored. */
  event(eventName: string | undefined, data: string): void {
    if (this.complete || this.failed) return;
    if (data === '[DONE]') {
      this.complete = true;
      return;
    }
    if (this.#ended) return;
    const out = this.out;
    const template = this.#template;
    if (template !== undefined) {
      const text = template.match(eventName, data);
      if (text !== undefined) {
        this.#misses = 0;
        if (text !== '') out.push(template.key === 'text' ? { type: 'text-delta', text } : { type: 'reasoning-delta', index: 0, text });
        return;
      }
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      if (!this.#started) this.#start(undefined);
      return this.fail(this.protocolError('sent a stream event that is not JSON'));
    }
    const type = field(chunk, 'type') ?? eventName;
    if (!this.#started) this.#start(type === 'message-start' ? field(chunk, 'id') : undefined);
    const message = field(field(chunk, 'delta'), 'message');
    switch (type) {
      case 'content-delta': {
        const content = field(message, 'content');
        const text = field(content, 'text');
        const thinking = field(content, 'thinking');
        if (typeof thinking === 'string' && thinking !== '') out.push({ type: 'reasoning-delta', index: 0, text: thinking });
        if (typeof text === 'string' && text !== '') out.push({ type: 'text-delta', text });
        // A delta that did not match becomes the template, unless this stream's deltas keep changing.
        if (this.#misses < maxMisses) {
          const next = ContentTemplate.of(eventName, data, chunk);
          if (next !== undefined) {
            if (template !== undefined) this.#misses += 1;
            this.#template = next;
          }
        }
        return;
      }
      case 'tool-call-start': {
        // `tool_calls` in stream deltas is one object (not an array as in the full response).
        const call = single(field(message, 'tool_calls'));
        const vendorIndex = field(chunk, 'index');
        this.#currentToolIndex = this.#toolIndexes.size;
        if (typeof vendorIndex === 'number') this.#toolIndexes.set(vendorIndex, this.#currentToolIndex);
        const id = field(call, 'id');
        const name = field(field(call, 'function'), 'name');
        const args = field(field(call, 'function'), 'arguments');
        out.push({
          type: 'tool-call-delta',
          toolCallIndex: this.#currentToolIndex,
          id: typeof id === 'string' ? id : this.#context.randomId(),
          name: typeof name === 'string' ? name : '',
          argumentsDelta: typeof args === 'string' ? args : '',
        });
        return;
      }
      case 'tool-call-delta': {
        const args = field(field(single(field(message, 'tool_calls')), 'function'), 'arguments');
        if (typeof args !== 'string' || args === '') return;
        const vendorIndex = field(chunk, 'index');
        const index = (typeof vendorIndex === 'number' ? this.#toolIndexes.get(vendorIndex) : undefined) ?? this.#currentToolIndex;
        out.push({ type: 'tool-call-delta', toolCallIndex: Math.max(index, 0), argumentsDelta: args });
        return;
      }
      case 'message-end':
        this.#ended = true;
        out.push(this.#endPart(field(chunk, 'delta')));
        return;
      default:
        // message-start, content-start/end, tool-plan-delta, tool-call-end, citation-*: nothing to emit.
        return;
    }
  }

  /** `message-end`'s part: `finish`, or the in-stream failure it reports. */
  #endPart(delta: unknown): StreamPart {
    const parsed = cohereMessageEndDeltaSchema.safeParse(delta ?? {});
    if (!parsed.success) return { type: 'error', error: this.protocolError('sent a malformed message-end event') };
    const { finish_reason: reason, error, usage } = parsed.data;
    if (reason === 'ERROR' || reason === 'TIMEOUT' || error) {
      return { type: 'error', error: cohereStreamError(this.provider, 'stream', reason, error, this.#context.secrets, usage) };
    }
    return { type: 'finish', finishReason: mapCohereFinishReason(reason), usage: mapCohereUsage(usage) };
  }

  #start(id: unknown): void {
    this.#started = true;
    this.out.push({
      type: 'stream-start',
      id: vendorAnswerId(id) ?? this.#context.randomId(),
      model: this.#context.model,
      created: this.#context.created,
    });
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function single(value: unknown): unknown {
  return Array.isArray(value) ? (value[0] as unknown) : value;
}
