/**
 * The JSON text of a stream event around its one changing string (a text delta), for the vendors'
 * delta templates (anthropic/delta-template.ts, cohere/content-template.ts): a later event made of
 * the same text around another valid JSON string literal parses to the same value with only that
 * string changed, so its text is read without parsing the event. See openai/chunk-template.ts for
 * why a match is exact: the prefix ends with the string's opening quote, the suffix starts with its
 * closing one, the literal is read up to its first unescaped quote as a JSON parser ends a string,
 * and the rest must equal the suffix character for character.
 *
 * @module
 */
import { literalEnd, literalText } from './json-string-literal.js';

export class StringSlotTemplate {
  private constructor(
    /** The text up to the string's opening quote. */
    readonly prefix: string,
    /** From the string's closing quote to the end. */
    readonly suffix: string,
  ) {}

  /**
   * The template of `data` whose string `value` is written right after `head`, followed by `tail`.
   * `head` starts with `key` (a quoted key and its colon), which must occur exactly once in `data`:
   * a caller passes a key that the parsed value holds once, whose one unescaped spelling is then
   * that key (a quote inside a string is escaped). Undefined when the text is written otherwise
   * (whitespace, other escapes than `JSON.stringify`'s, another order).
   */
  static around(data: string, key: string, head: string, value: string, tail: string): StringSlotTemplate | undefined {
    const at = data.indexOf(key);
    if (at === -1 || data.includes(key, at + 1)) return undefined;
    const literal = JSON.stringify(value);
    const open = at + head.length;
    if (!data.startsWith(head, at) || !data.startsWith(literal, open) || !data.startsWith(tail, open + literal.length)) return undefined;
    return new StringSlotTemplate(data.slice(0, open + 1), data.slice(open + literal.length - 1));
  }

  /** The string when `data` is this template around another valid literal, else undefined. */
  match(data: string): string | undefined {
    const { prefix, suffix } = this;
    if (data.length < prefix.length + suffix.length || data.slice(0, prefix.length) !== prefix) return undefined;
    const text = literalEnd(data, prefix.length);
    if (text.end === -1 || data.slice(text.end) !== suffix) return undefined;
    return literalText(data.slice(prefix.length, text.end), text.escaped);
  }
}
