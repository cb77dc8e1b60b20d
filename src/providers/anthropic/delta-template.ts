/**
 * Most events of an Anthropic stream differ from the one before only in their text:
 * `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"…"}}` (or a
 * `thinking_delta` with `"thinking"`). As for OpenAI's chunks (openai/chunk-template.ts), a
 * template is the JSON text of such an event around that one string; a later event of the same
 * SSE name made of the same text around another valid JSON string literal parses to the same
 * record with only the text changed, so it is read without parsing. Anything else (another block
 * index, another delta type, whitespace, an invalid literal) does not match, and the decoder
 * parses the event in full.
 *
 * Why a match is exact: the prefix ends with the text's opening quote and the suffix starts with
 * its closing quote; the literal is read up to its first unescaped quote, as a JSON parser ends a
 * string, and must be valid; the rest must then equal the suffix, character for character.
 *
 * @module
 */
import { literalEnd, literalText } from '../shared/json-string-literal.js';

type JsonRecord = Record<string, unknown>;

/** The delta types a template covers, and the key of their string. */
const textKeys = { text_delta: 'text', thinking_delta: 'thinking' } as const;
type DeltaType = keyof typeof textKeys;

export class DeltaTemplate {
  private constructor(
    /** The SSE event name the template was made from (a match needs the same). */
    readonly event: string | undefined,
    /** The text up to the string's opening quote. */
    readonly prefix: string,
    /** From the string's closing quote to the end. */
    readonly suffix: string,
    readonly deltaType: DeltaType,
    /** The content block's index. */
    readonly index: number,
  ) {}

  /**
   * The template of `data` (whose parse is `record`, sent under the SSE name `event`): undefined
   * unless the record is a `content_block_delta` with exactly `type`, `index` and `delta`, whose
   * delta is exactly `type` and the one string of a text or thinking delta, written without
   * whitespace around that delta.
   */
  static of(event: string | undefined, data: string, record: JsonRecord): DeltaTemplate | undefined {
    if (record['type'] !== 'content_block_delta' || (event !== undefined && event !== 'content_block_delta')) return undefined;
    const index = record['index'];
    const delta = record['delta'];
    if (typeof index !== 'number' || typeof delta !== 'object' || delta === null || Array.isArray(delta) || Object.keys(record).length !== 3) return undefined;
    const deltaType = (delta as JsonRecord)['type'];
    if (deltaType !== 'text_delta' && deltaType !== 'thinking_delta') return undefined;
    const key = textKeys[deltaType];
    const value = (delta as JsonRecord)[key];
    if (typeof value !== 'string' || Object.keys(delta).length !== 2) return undefined;
    // The record's only objects are itself and its delta, whose keys are written once each: the one
    // `"delta":` of the text is the key (a quote inside a string value is escaped).
    const at = data.indexOf('"delta":');
    if (at === -1 || data.includes('"delta":', at + 1)) return undefined;
    const head = `"delta":{"type":"${deltaType}","${key}":`;
    const literal = JSON.stringify(value);
    if (!data.startsWith(head, at) || !data.startsWith(literal, at + head.length) || data[at + head.length + literal.length] !== '}') return undefined;
    const open = at + head.length + 1;
    const close = at + head.length + literal.length - 1;
    return new DeltaTemplate(event, data.slice(0, open), data.slice(close), deltaType, index);
  }

  /** The delta's text when `data`, sent as `event`, is this template around another string, else undefined. */
  match(event: string | undefined, data: string): string | undefined {
    const { prefix, suffix } = this;
    if (event !== this.event || data.length < prefix.length + suffix.length || data.slice(0, prefix.length) !== prefix) return undefined;
    const text = literalEnd(data, prefix.length);
    if (text.end === -1 || data.slice(text.end) !== suffix) return undefined;
    return literalText(data.slice(prefix.length, text.end), text.escaped);
  }
}
