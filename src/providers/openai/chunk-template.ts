/**
 * Most chunks of an OpenAI stream differ from the one before only in the text of their delta (and,
 * from OpenAI itself, in a random `obfuscation` string that pads each chunk):
 * `{"id":"…",…,"choices":[{"index":0,"delta":{"content":"…"},"logprobs":null,"finish_reason":null}],
 * "obfuscation":"…"}`. A template is the JSON text of such a chunk around those one or two
 * strings; a later chunk made of the same text around other valid JSON string literals parses to
 * the same object with only those strings changed, so its text is read without parsing the chunk
 * again. Anything else (another shape, a finish reason, usage, whitespace, an invalid literal)
 * does not match, and the caller parses the chunk in full.
 *
 * Why a match is exact: each piece of template text between the strings ends with an opening quote
 * and the next starts with the closing one. Each literal is read up to its first unescaped quote,
 * exactly as a JSON parser ends a string, and must be valid (no raw control character, valid
 * escapes); the text after it must then be the template's, character for character. So the chunk
 * tokenizes as the template did, token for token, with only the string tokens replaced.
 *
 * @module
 */
import { literalEnd, literalText } from '../shared/json-string-literal.js';
import type { StreamPart } from '../spec/index.js';
import type { OpenAIChunk } from './openai-api.js';

/** The delta keys a template covers (one per chunk): text, or reasoning (two vendors' spellings). */
type DeltaKey = 'content' | 'reasoning_content' | 'reasoning';

export class ChunkTemplate {
  private constructor(
    /** The text up to the delta's opening quote. */
    readonly prefix: string,
    /** From the delta's closing quote to the obfuscation's opening quote; undefined when the template has no obfuscation. */
    readonly between: string | undefined,
    /** From the last string's closing quote to the end. */
    readonly suffix: string,
    readonly key: DeltaKey,
    /** The chunk's `service_tier`, which a matching chunk sets again (it is part of the same text). */
    readonly serviceTier: string | undefined,
  ) {}

  /**
   * The template of `data` (whose parse is `chunk`): undefined unless the chunk is one choice of
   * index 0 whose delta is exactly one string under a `DeltaKey`, with no finish reason, logprobs,
   * usage or error, written without whitespace around that delta (and its obfuscation, if any).
   */
  static of(data: string, chunk: OpenAIChunk & { obfuscation?: unknown }): ChunkTemplate | undefined {
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
    const serviceTier = typeof chunk.service_tier === 'string' ? chunk.service_tier : undefined;
    // The one `"delta":` of the text is this choice's (a string's quotes would be escaped).
    const at = data.indexOf('"delta":');
    if (at === -1 || data.includes('"delta":', at + 1)) return undefined;
    const head = `"delta":{"${key}":`;
    const literal = JSON.stringify(value);
    if (!data.startsWith(head, at) || !data.startsWith(literal, at + head.length) || data[at + head.length + literal.length] !== '}') return undefined;
    const open = at + head.length + 1;
    const close = at + head.length + literal.length - 1;
    if (chunk.obfuscation === undefined) return new ChunkTemplate(data.slice(0, open), undefined, data.slice(close), key, serviceTier);
    // OpenAI's padding: a top-level string after the choices, different in every chunk.
    if (typeof chunk.obfuscation !== 'string') return undefined;
    const padding = `"obfuscation":${JSON.stringify(chunk.obfuscation)}`;
    const padAt = data.indexOf('"obfuscation":', close);
    if (padAt === -1 || data.includes('"obfuscation":', padAt + 1) || data.indexOf('"obfuscation":') !== padAt || !data.startsWith(padding, padAt)) return undefined;
    const padOpen = padAt + '"obfuscation":'.length + 1;
    const padClose = padAt + padding.length - 1;
    return new ChunkTemplate(data.slice(0, open), data.slice(close, padOpen), data.slice(padClose), key, serviceTier);
  }

  /** The delta's text when `data` is this template around other strings, else undefined. */
  match(data: string): string | undefined {
    const { prefix, between, suffix } = this;
    // Slices compared with ===: at least as fast as startsWith/endsWith here (bench/chunk-template-micro.mjs).
    if (data.length < prefix.length + suffix.length || data.slice(0, prefix.length) !== prefix) return undefined;
    const text = literalEnd(data, prefix.length);
    if (text.end === -1) return undefined;
    let last = text.end;
    if (between !== undefined) {
      const padOpen = text.end + between.length;
      if (data.slice(text.end, padOpen) !== between) return undefined;
      const padding = literalEnd(data, padOpen);
      if (padding.end === -1 || (padding.escaped && literalText(data.slice(padOpen, padding.end), true) === undefined)) return undefined;
      last = padding.end;
    }
    if (data.slice(last) !== suffix) return undefined;
    return literalText(data.slice(prefix.length, text.end), text.escaped);
  }

  /** The part a matched chunk's text makes (none for an empty text), as a full parse would. */
  part(text: string): StreamPart | undefined {
    if (text === '') return undefined;
    return this.key === 'content' ? { type: 'text-delta', text } : { type: 'reasoning-delta', index: 0, text };
  }
}
