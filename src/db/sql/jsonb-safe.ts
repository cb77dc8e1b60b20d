/**
 * Postgres refuses two things JSON allows: `\u0000` (jsonb cannot hold NUL) and a lone UTF-16
 * surrogate (`"\ud800"`, which `JSON.stringify` writes for a string JavaScript holds but UTF-8
 * cannot). A vendor's usage object is foreign input, so one such string must not fail the insert of
 * a whole batch of ledger rows: both become U+FFFD, in keys and values alike.
 *
 * @module
 */

/** JSON text that Postgres would refuse as jsonb (a `\\u…` false positive only costs a copy). */
const refused = /\\u0000|\\ud[89a-f]/i;
const nul = /\0/g;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with NUL and lone surrogates replaced by U+FFFD. */
export function postgresSafeText(text: string): string {
  return text.replace(nul, '\ufffd').replace(loneSurrogate, '\ufffd');
}

function cleaned(value: unknown): unknown {
  if (typeof value === 'string') return postgresSafeText(value);
  if (Array.isArray(value)) return value.map(cleaned);
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) copy[postgresSafeText(key)] = cleaned(inner);
    return copy;
  }
  return value;
}

/** `JSON.stringify(value)`, made acceptable to `::jsonb` when it would not be. */
export function jsonbText(value: unknown): string {
  const json = JSON.stringify(value);
  // JSON.stringify writes `\u` only for control characters and lone surrogates (and for a
  // backslash followed by `u`): the common case costs one scan for two characters.
  return json.includes('\\u') && refused.test(json) ? JSON.stringify(cleaned(value)) : json;
}
