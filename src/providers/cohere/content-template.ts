/**
 * Most events of a Cohere v2 stream differ from the one before only in their text:
 * `{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"…"}}}}` (or
 * `"thinking"` for a reasoning model). As for OpenAI's and Anthropic's streams, a later event made
 * of the same JSON text around another valid string literal is read without parsing (see
 * shared/string-slot-template.ts); anything else is parsed in full.
 *
 * @module
 */
import { StringSlotTemplate } from '../shared/string-slot-template.js';

type JsonRecord = Record<string, unknown>;

const asRecord = (value: unknown): JsonRecord | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonRecord) : undefined;

/** The one key of `record`, when it has exactly one. */
function onlyKey(record: JsonRecord | undefined): string | undefined {
  if (record === undefined) return undefined;
  const keys = Object.keys(record);
  return keys.length === 1 ? keys[0] : undefined;
}

export class ContentTemplate {
  private constructor(
    /** The SSE event name the template was made from (a match needs the same). */
    readonly event: string | undefined,
    readonly slot: StringSlotTemplate,
    /** Which content the string is. */
    readonly key: 'text' | 'thinking',
  ) {}

  /**
   * The template of `data` (whose parse is `parsed`, sent as `event`): undefined unless the record
   * is a `content-delta` with exactly `type`, `index` and `delta`, whose delta is exactly one
   * message of exactly one content of exactly one string, `text` or `thinking`, written without
   * whitespace around that delta.
   */
  static of(event: string | undefined, data: string, parsed: unknown): ContentTemplate | undefined {
    const record = asRecord(parsed);
    if (record?.['type'] !== 'content-delta' || typeof record['index'] !== 'number' || Object.keys(record).length !== 3) return undefined;
    const delta = asRecord(record['delta']);
    if (onlyKey(delta) !== 'message') return undefined;
    const message = asRecord(delta?.['message']);
    if (onlyKey(message) !== 'content') return undefined;
    const content = asRecord(message?.['content']);
    const key = onlyKey(content);
    const value = key === undefined ? undefined : content?.[key];
    if ((key !== 'text' && key !== 'thinking') || typeof value !== 'string') return undefined;
    // The record's objects hold `"delta":` once, as the key (a quote inside a string is escaped).
    const slot = StringSlotTemplate.around(data, '"delta":', `"delta":{"message":{"content":{"${key}":`, value, '}}}');
    return slot === undefined ? undefined : new ContentTemplate(event, slot, key);
  }

  /** The string when `data`, sent as `event`, is this template around another one, else undefined. */
  match(event: string | undefined, data: string): string | undefined {
    return event === this.event ? this.slot.match(data) : undefined;
  }
}
