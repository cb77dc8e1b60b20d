import { SsePartsDecoder } from '../shared/sse-parts-decoder.js';
import { ChunkTemplate } from './chunk-template.js';
import type { StreamPart, Usage } from '../spec/index.js';
import { convertOpenAIUsage, type ResponseDefaults } from './convert-openai-response.js';
import { mapOpenAIStreamError, type OpenAIErrorContext } from './map-openai-error.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import type { OpenAIChunk, OpenAIUsage } from './openai-api.js';
import { isOpenAIUsage } from './read-chat-response.js';
import { vendorAnswerId, vendorFingerprint } from '../shared/answer-id.js';

/** Templates that may miss in a row before a stream parses every chunk (see ChunkTemplate). */
const maxMisses = 4;

type ToolCallDelta = NonNullable<NonNullable<NonNullable<OpenAIChunk['choices']>[number]['delta']>['tool_calls']>[number];

/**
 * An OpenAI `chat.completion.chunk` event stream as stream parts, decoded synchronously chunk by
 * chunk (SSE, then each event's JSON). `finish` waits for `[DONE]` (or the end of the body)
 * because the usage chunk (`choices: []`) comes after the finish reason. Chunks are checked
 * structurally, not parsed with zod, to keep the per-chunk cost low.
 */
export class OpenAIStreamDecoder extends SsePartsDecoder {
  readonly #errorContext: OpenAIErrorContext;
  readonly #defaults: ResponseDefaults;
  #started = false;
  #finishReason: string | undefined;
  #usage: OpenAIUsage | undefined;
  #sawToolCalls = false;
  #serviceTier: string | undefined;
  /** The last plain text chunk, to read the next ones without parsing them (see ChunkTemplate). */
  #template: ChunkTemplate | undefined;
  /** Templates made in a row that the next chunk did not match; at `maxMisses` this stream stops making them. */
  #misses = 0;
  /** Index given to the last call that came without `index`, and its id (see #toolCalls). */
  #unindexed = -1;
  #unindexedId: string | undefined;
  /** The call each vendor `index` names now, made on the first indexed call (see #indexedCall). */
  #indexed: Map<number, IndexedCall> | undefined;
  /** The highest call index given so far; once an index was reused, new calls get the next one. */
  #lastIndex = -1;
  #reindexed = false;

  constructor(maxEventBytes: number, errorContext: OpenAIErrorContext, defaults: ResponseDefaults) {
    super(errorContext.provider, maxEventBytes);
    this.#errorContext = errorContext;
    this.#defaults = defaults;
  }

  protected close(out: StreamPart[]): void {
    // No chunk at all is never an answer (vLLM sends only [DONE] when it fails before the first
    // token): the error comes first, so nothing reaches the client and a route falls back.
    if (!this.#started) return this.fail(this.protocolError('ended the stream before any answer'));
    // Some compatible servers omit [DONE]; a body that ends before any finish reason was cut off.
    // Either one ends the answer: chunks then [DONE] with no finish reason finish as `stop`.
    if (!this.complete && this.#finishReason === undefined) return this.fail(this.protocolError('ended the stream before it finished'));
    out.push({
      type: 'finish',
      finishReason: mapOpenAIFinishReason(this.#finishReason, this.#sawToolCalls),
      usage: convertOpenAIUsage(this.#usage),
      ...(this.#serviceTier === undefined ? {} : { native: { service_tier: this.#serviceTier } }),
    });
  }

  /** The usage chunk, when it came (compatible servers may send usage on every chunk). */
  reported(): Usage | undefined {
    return this.#usage === undefined ? undefined : convertOpenAIUsage(this.#usage);
  }

  /** Events after `[DONE]` or an error are ignored. */
  event(_name: string | undefined, data: string): void {
    if (this.complete || this.failed) return;
    if (data === '[DONE]') {
      this.complete = true;
      return;
    }
    const out = this.out;
    const template = this.#template;
    if (template !== undefined) {
      const text = template.match(data);
      if (text !== undefined) {
        const part = template.part(text);
        if (part !== undefined) out.push(part);
        if (template.serviceTier !== undefined) this.#serviceTier = template.serviceTier;
        this.#misses = 0;
        return;
      }
    }
    const chunk = parseChunk(data);
    if (!chunk) return this.fail(this.protocolError('sent a stream chunk that is not a JSON object'));
    if (chunk.error != null) return this.fail(mapOpenAIStreamError(chunk.error, this.#errorContext));
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!this.#started) {
      // Azure opens with an id-less chunk that only carries prompt filter results.
      if (!chunk.id && !choice && chunk.usage == null) return;
      this.#started = true;
      out.push(startPart(chunk, this.#defaults));
    }
    // Streams are requested without `n`, so only the first choice exists.
    if (choice && (choice.index ?? 0) === 0) {
      const delta = choice.delta;
      if (delta) {
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (typeof reasoning === 'string' && reasoning !== '') out.push({ type: 'reasoning-delta', index: 0, text: reasoning });
        if (typeof delta.content === 'string' && delta.content !== '') out.push(textPart(delta.content, choice.logprobs));
        // Structured outputs: the model's refusal streams in its own field, instead of content.
        if (typeof delta.refusal === 'string' && delta.refusal !== '') out.push({ type: 'text-delta', text: delta.refusal, refusal: true });
        if (Array.isArray(delta.tool_calls)) this.#toolCalls(delta.tool_calls, out);
      }
      if (typeof choice.finish_reason === 'string') this.#finishReason = choice.finish_reason;
    }
    if (typeof chunk.service_tier === 'string') this.#serviceTier = chunk.service_tier;
    if (chunk.usage != null && isOpenAIUsage(chunk.usage)) this.#usage = chunk.usage as OpenAIUsage;
    // A plain text chunk that did not match becomes the template (the state it set is in its text),
    // unless this stream's chunks keep changing elsewhere too (a field no template covers).
    if (this.#started && this.#misses < maxMisses) {
      const next = ChunkTemplate.of(data, chunk);
      if (next !== undefined) {
        if (template !== undefined) this.#misses += 1;
        this.#template = next;
      }
    }
  }

  #toolCalls(calls: readonly ToolCallDelta[], out: StreamPart[]): void {
    for (const call of calls) {
      if (typeof call !== 'object' || call === null) continue;
      this.#sawToolCalls = true;
      const name = call.function?.name;
      const argumentsDelta = call.function?.arguments;
      out.push({
        type: 'tool-call-delta',
        toolCallIndex: typeof call.index === 'number' ? this.#indexedCall(call.index, call.id, name) : this.#unindexedCall(call.id),
        ...(typeof call.id === 'string' && call.id !== '' ? { id: call.id } : {}),
        ...(typeof name === 'string' && name !== '' ? { name } : {}),
        argumentsDelta: typeof argumentsDelta === 'string' ? argumentsDelta : objectArguments(argumentsDelta),
      });
    }
  }

  /**
   * The call index of a delta with the vendor's `index`: that index, unless it comes again with
   * another id and a name, a new call. Ollama gives every parallel call `index: 0` (each whole in
   * its own chunk, ollama/ollama#15457): they were one call with the last id and the arguments run
   * together (`{"q":"a"}{"q":"b"}`), which /v1/messages and /v1/responses answer with the provider's
   * 502. Such a call gets the next index after the highest given, as does every new index after it.
   */
  #indexedCall(index: number, id: string | undefined, name: string | undefined): number {
    const calls = (this.#indexed ??= new Map());
    const known = calls.get(index);
    const newId = typeof id === 'string' && id !== '';
    if (known !== undefined) {
      if (!newId || known.id === id) return known.index;
      if (known.id === undefined || typeof name !== 'string' || name === '') {
        known.id ??= id;
        return known.index;
      }
    }
    const given = this.#reindexed || known !== undefined ? this.#lastIndex + 1 : index;
    if (known !== undefined) this.#reindexed = true;
    this.#lastIndex = Math.max(this.#lastIndex, given);
    calls.set(index, { index: given, id: newId ? id : undefined });
    return given;
  }

  /**
   * The index of a call delta without `index`. Google's OpenAI-compatible endpoint streams each of
   * several parallel calls whole in its own chunk, with no index: a new id is a new call (they all
   * became call 0 before, one call with the first's id and the arguments run together). A delta
   * without an id continues the last call.
   */
  #unindexedCall(id: string | undefined): number {
    if (typeof id === 'string' && id !== '' && id !== this.#unindexedId) {
      this.#unindexed += 1;
      this.#unindexedId = id;
    }
    return Math.max(this.#unindexed, 0);
  }
}

/** The call a vendor's `index` names: the index it was given here, and its id once known. */
interface IndexedCall {
  index: number;
  id: string | undefined;
}

/**
 * Arguments a server sent as a JSON object instead of a string (llama.cpp's llama-server,
 * ggml-org/llama.cpp#20198; TGI): the object as JSON text, as a non-streamed answer reads them.
 * They were dropped, so the client got the call with no arguments.
 */
function objectArguments(value: unknown): string {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? JSON.stringify(value) : '';
}

function textPart(text: string, logprobs: unknown): StreamPart {
  if (typeof logprobs !== 'object' || logprobs === null || Array.isArray(logprobs)) return { type: 'text-delta', text };
  return { type: 'text-delta', text, logprobs: logprobs as Record<string, unknown> };
}

function parseChunk(data: string): OpenAIChunk | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as OpenAIChunk) : undefined;
  } catch {
    return undefined;
  }
}

function startPart(chunk: OpenAIChunk, defaults: ResponseDefaults): StreamPart {
  const fingerprint = vendorFingerprint(chunk.system_fingerprint);
  return {
    type: 'stream-start',
    id: vendorAnswerId(chunk.id) ?? `chatcmpl-${defaults.randomId()}`,
    model: typeof chunk.model === 'string' && chunk.model !== '' ? chunk.model : defaults.model,
    created: typeof chunk.created === 'number' && chunk.created > 0 ? chunk.created : defaults.created,
    ...(fingerprint !== undefined ? { systemFingerprint: fingerprint } : {}),
  };
}
