/**
 * Reading one JSON string literal inside a larger JSON text without parsing the rest: where its
 * body ends, as a JSON parser ends it (the first unescaped quote), and the string it stands for.
 * Used by the stream templates (openai/chunk-template.ts, anthropic/delta-template.ts).
 *
 * @module
 */

const quote = 0x22;
const backslash = 0x5c;

/** Where a string literal's body that starts at `from` ends (its closing quote), and whether it has escapes; -1 when invalid or unterminated. */
export function literalEnd(data: string, from: number): { end: number; escaped: boolean } {
  let escaped = false;
  for (let index = from; index < data.length; index += 1) {
    const code = data.charCodeAt(index);
    if (code === quote) return { end: index, escaped };
    if (code < 0x20) break;
    if (code === backslash) {
      escaped = true;
      index += 1;
    }
  }
  return { end: -1, escaped };
}

/** The string a literal's body stands for (escapes checked by JSON.parse), or undefined when invalid. */
export function literalText(body: string, escaped: boolean): string | undefined {
  if (!escaped) return body;
  try {
    const text: unknown = JSON.parse(`"${body}"`);
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}
