/**
 * Most chunks of an OpenAI stream differ from the one before only in the text of their delta:
 * `{"id":"…","object":"chat.completion.chunk",…,"choices":[{"index":0,"delta":{"content":"…"},
 * "logprobs":null,"finish_reason":null}]}`. A template is the JSON text of such a chunk around
 * that one string; a later chunk made of the same text around another valid JSON string literal
 * parses to the same object with only that string changed, so its text is read without parsing
 * the chunk again. Anything else (another shape, a finish reason, usage, whitespace, an invalid
 * literal) does not match, and the caller parses the chunk in full.
 *
 * Why a match is exact: the template's prefix ends with the delta's opening quote and its suffix
 * starts with the closing one. When `"` + middle + `"` is one complete JSON string literal (checked
 * below), the chunk tokenizes as the template did, token for token, with that one string token
 * replaced.
 *
 * @module
 */
import type { StreamPart } from '../spec/index.js';
import type { OpenAIChunk } from './openai-api.js';

/** The delta keys a template covers (one per chunk): text, or reasoning (two vendors' spellings). */
type DeltaKey = 'content' | 'reasoning_content' | 'reasoning';

/** Characters that make a literal's body need JSON decoding (or make it invalid). */
// eslint-disable-next-line no-control-regex -- raw control characters are exactly what JSON forbids in a string
const needsDecoding = /["\\\u0000-\u001f]/;

export class ChunkTemplate {
  private constructor(
    readonly prefix: string,
    readonly suffix: string,
    readonly key: DeltaKey,
    /** The chunk's `service_tier`, which a matching chunk sets again (it is part of the same text). */
    readonly serviceTier: string | undefined,
  ) {}

  /**
   * The template of `data` (whose parse is `chunk`): undefined unless the chunk is one choice of
   * index 0 whose delta is exactly one string under a `DeltaKey`, with no finish reason, logprobs,
   * usage or error, written without whitespace around that delta.
   */
  static of(data: string, chunk: OpenAIChunk): ChunkTemplate | undefined {
    if (chunk.usage != null || chunk.error != null || !Array.isArray(chunk.choices) || chunk.choices.length !== 1) return undefined;
    const choice: unknown = chunk.choices[0];
    if (typeof choice !== 'object' || choice === null) return undefined;
    const { index, delta, finish_reason: finishReason, logprobs } = choice as NonNullable<OpenAIChunk['choices']>[number];
    if ((index ?? 0) !== 0 || finishReason != null || logprobs != null || typeof delta !== 'object' || delta === null) return undefined;
    const keys = Object.keys(delta);
    const key = keys[0];
    if (keys.length !== 1 || !(key === 'content' || key === 'reasoning_content' || key === 'reasoning')) return undefined;
    const value: unknown = delta[key];
    if (typeof value !== 'string') return undefined;
    // The one `"delta":` of the text is this choice's (a string's quotes would be escaped).
    const at = data.indexOf('"delta":');
    if (at === -1 || data.includes('"delta":', at + 1)) return undefined;
    const literal = JSON.stringify(value);
    const head = `"delta":{"${key}":`;
    if (!data.startsWith(head, at) || !data.startsWith(literal, at + head.length) || data[at + head.length + literal.length] !== '}') return undefined;
    const open = at + head.length + 1;
    const close = at + head.length + literal.length - 1;
    return new ChunkTemplate(data.slice(0, open), data.slice(close), key, typeof chunk.service_tier === 'string' ? chunk.service_tier : undefined);
  }

  /** The delta's text when `data` is this template around another string, else undefined. */
  match(data: string): string | undefined {
    const { prefix, suffix } = this;
    const end = data.length - suffix.length;
    // Slices compared with ===: at least as fast as startsWith/endsWith here (bench/chunk-template-micro.mjs).
    if (end < prefix.length || data.slice(0, prefix.length) !== prefix || data.slice(end) !== suffix) return undefined;
    const body = data.slice(prefix.length, end);
    if (!needsDecoding.test(body)) return body;
    try {
      const text: unknown = JSON.parse(`"${body}"`);
      return typeof text === 'string' ? text : undefined;
    } catch {
      return undefined;
    }
  }

  /** The part a matched chunk's text makes (none for an empty text), as a full parse would. */
  part(text: string): StreamPart | undefined {
    if (text === '') return undefined;
    return this.key === 'content' ? { type: 'text-delta', text } : { type: 'reasoning-delta', index: 0, text };
  }
}
