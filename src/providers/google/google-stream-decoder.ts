import type { ProviderDeps } from '../shared/provider-deps.js';
import { SsePartsDecoder } from '../shared/sse-parts-decoder.js';
import type { StreamPart, Usage } from '../spec/index.js';
import type { GoogleUsageMetadata } from './google-api.js';
import { convertFunctionCall } from './convert-google-response.js';
import { convertGoogleUsage } from './convert-google-usage.js';
import { googleFinishError, isGoogleFailure } from './google-finish-error.js';
import { mapGoogleError } from './map-google-error.js';
import { mapGoogleFinishReason } from './map-google-finish-reason.js';
import { vendorAnswerId } from '../shared/answer-id.js';

export interface GoogleStreamContext {
  provider: string;
  /** The requested model, reported until Gemini names its `modelVersion`. */
  model: string;
  deps: Pick<ProviderDeps, 'now' | 'randomId'>;
  secrets: readonly (string | undefined)[];
}

type JsonObject = Record<string, unknown>;

/**
 * A `:streamGenerateContent?alt=sse` body as stream parts, decoded synchronously chunk by chunk.
 * Every SSE frame is a whole GenerateContentResponse holding a text fragment, whole function
 * calls, and cumulative usage; the stream ends with the body (no `[DONE]`). `stream-start` waits
 * for the first frame so it can carry Gemini's `responseId` and `modelVersion` (a failure before
 * any frame still gives one first: beforeFailure). Frames are checked structurally, not with zod
 * (hot path). A frame carrying `error`, or a frame that is not JSON, is an `error` part that ends
 * the stream (the rest of the body is not read). A failure finishReason (googleFinishError) ends it
 * with an error part instead of `finish`.
 */
export class GoogleStreamDecoder extends SsePartsDecoder {
  readonly #context: GoogleStreamContext;
  #started = false;
  #finishReason: string | undefined;
  #blocked = false;
  #usage: GoogleUsageMetadata | undefined;
  #toolCallCount = 0;

  constructor(maxEventBytes: number, context: GoogleStreamContext) {
    super(context.provider, maxEventBytes);
    this.#context = context;
  }

  protected close(out: StreamPart[]): void {
    if (!this.#started) this.#start(undefined);
    // Gemini's last chunk carries the finishReason: a body that ends before one was cut off.
    if (this.#finishReason === undefined && !this.#blocked) return this.fail(this.protocolError('ended the stream before a finishReason'));
    if (isGoogleFailure(this.#finishReason)) return this.fail(googleFinishError(this.provider, 'stream', this.#finishReason, convertGoogleUsage(this.#usage)));
    out.push({
      type: 'finish',
      finishReason: this.#blocked ? 'content_filter' : mapGoogleFinishReason(this.#finishReason, this.#toolCallCount > 0),
      usage: convertGoogleUsage(this.#usage),
    });
  }

  /** The last (cumulative) `usageMetadata` so far. */
  reported(): Usage | undefined {
    return this.#usage === undefined ? undefined : convertGoogleUsage(this.#usage);
  }

  beforeFailure(out: StreamPart[]): void {
    this.out = out;
    if (!this.#started) this.#start(undefined);
  }

  /** Events after an error part are ignored. */
  event(_name: string | undefined, data: string): void {
    if (this.failed) return;
    const chunk = parseChunk(data);
    if (!this.#started) this.#start(chunk);
    if (chunk === undefined) return this.fail(this.protocolError('sent a stream event that is not a JSON object'));
    if (chunk['error'] !== undefined) return this.fail(mapGoogleError({ provider: this.provider, status: undefined, body: chunk, secrets: this.#context.secrets }));
    const candidate = firstCandidate(chunk);
    if (candidate) {
      if (typeof candidate['finishReason'] === 'string') this.#finishReason = candidate['finishReason'];
      for (const part of partsOf(candidate)) this.#part(part);
    }
    const feedback = chunk['promptFeedback'];
    if (isObject(feedback) && typeof feedback['blockReason'] === 'string') this.#blocked = true;
    // Cumulative: the last one replaces the earlier ones. Kept raw for the ledger; convertGoogleUsage reads it defensively.
    if (isObject(chunk['usageMetadata'])) this.#usage = chunk['usageMetadata'];
  }

  #part(part: JsonObject): void {
    const out = this.out;
    const call = part['functionCall'];
    if (isObject(call) && typeof call['name'] === 'string') {
      const signature = part['thoughtSignature'];
      const toolCall = convertFunctionCall(
        { name: call['name'], args: isObject(call['args']) ? call['args'] : undefined, id: typeof call['id'] === 'string' ? call['id'] : undefined },
        typeof signature === 'string' ? signature : undefined,
        this.#context.deps.randomId,
      );
      out.push({
        type: 'tool-call-delta',
        toolCallIndex: this.#toolCallCount++,
        id: toolCall.id,
        name: toolCall.name,
        argumentsDelta: toolCall.arguments,
        ...(toolCall.providerMetadata ? { providerMetadata: toolCall.providerMetadata } : {}),
      });
    } else if (part['thought'] === true) {
      const text = part['text'];
      const signature = part['thoughtSignature'];
      if (typeof text === 'string' && text !== '') out.push({ type: 'reasoning-delta', index: 0, text });
      if (typeof signature === 'string') out.push({ type: 'reasoning-delta', index: 0, signature });
    } else if (typeof part['text'] === 'string' && part['text'] !== '') {
      out.push({ type: 'text-delta', text: part['text'] });
    }
  }

  #start(chunk: JsonObject | undefined): void {
    this.#started = true;
    const id = chunk?.['responseId'];
    const model = chunk?.['modelVersion'];
    this.out.push({
      type: 'stream-start',
      id: vendorAnswerId(id) ?? this.#context.deps.randomId(),
      model: typeof model === 'string' ? model : this.#context.model,
      created: Math.floor(this.#context.deps.now() / 1000),
    });
  }
}

function parseChunk(data: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Streams are requested without `candidateCount`, so only candidate 0 exists. */
function firstCandidate(chunk: JsonObject): JsonObject | undefined {
  const candidates = chunk['candidates'];
  const candidate: unknown = Array.isArray(candidates) ? candidates[0] : undefined;
  return isObject(candidate) ? candidate : undefined;
}

function partsOf(candidate: JsonObject): JsonObject[] {
  const content = candidate['content'];
  const parts = isObject(content) ? content['parts'] : undefined;
  return Array.isArray(parts) ? parts.filter(isObject) : [];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
