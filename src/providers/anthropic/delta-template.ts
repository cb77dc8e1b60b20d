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
 * Why a match is exact: see shared/string-slot-template.ts.
 *
 * @module
 */
import { StringSlotTemplate } from '../shared/string-slot-template.js';

type JsonRecord = Record<string, unknown>;

/** The delta types a template covers, and the key of their string. */
const textKeys = { text_delta: 'text', thinking_delta: 'thinking' } as const;
type DeltaType = keyof typeof textKeys;

export class DeltaTemplate {
  private constructor(
    /** The SSE event name the template was made from (a match needs the same). */
    readonly event: string | undefined,
    readonly slot: StringSlotTemplate,
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
    // The record's only objects are itself and its delta: `"delta":` is written once, as the key.
    const slot = StringSlotTemplate.around(data, '"delta":', `"delta":{"type":"${deltaType}","${key}":`, value, '}');
    return slot === undefined ? undefined : new DeltaTemplate(event, slot, deltaType, index);
  }

  /** The delta's text when `data`, sent as `event`, is this template around another string, else undefined. */
  match(event: string | undefined, data: string): string | undefined {
    return event === this.event ? this.slot.match(data) : undefined;
  }
}
