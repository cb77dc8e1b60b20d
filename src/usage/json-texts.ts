/**
 * The texts of a parsed JSON body (keys, strings, numbers) and the punctuation its JSON text has
 * around them, read off the parsed value without writing it out (`JSON.stringify` of a 100 KB
 * prompt cost 145 µs, 850 µs with non-Latin text). o200k makes about one token of two punctuation
 * characters (`":"`, `","` and `{"` are one token each), so a body's tokens are about its texts'
 * plus half its punctuation. Used for native bodies (Anthropic Messages, OpenAI Responses): by
 * governance's reservations and by the ledger's estimate of a cut stream's input.
 *
 * Depth is bounded: request bodies are checked against SWITCHBOARD_MAX_JSON_DEPTH before they are parsed.
 *
 * @module
 */

export interface JsonTexts {
  texts: string[];
  /** Characters of JSON punctuation around the texts. */
  punctuation: number;
}

/**
 * The texts of `body` (an object), without its top-level field `skip` and without the objects in
 * `leaveOut` (counted otherwise: native-estimate.ts counts images at a fixed figure, not their data).
 */
export function jsonTexts(body: Record<string, unknown>, skip?: string, leaveOut?: ReadonlySet<object>): JsonTexts {
  const json: JsonTexts = { texts: [], punctuation: 0 };
  addObject(body, json, leaveOut, skip);
  return json;
}

function addValue(value: unknown, json: JsonTexts, leaveOut: ReadonlySet<object> | undefined): void {
  if (typeof value === 'string') {
    json.texts.push(value);
    json.punctuation += 2;
  } else if (Array.isArray(value)) {
    json.punctuation += value.length === 0 ? 2 : 1 + value.length;
    for (const element of value) addValue(element, json, leaveOut);
  } else if (value !== null && typeof value === 'object') {
    if (leaveOut?.has(value) === true) return;
    addObject(value as Record<string, unknown>, json, leaveOut);
  } else {
    json.texts.push(String(value));
  }
}

/** `{"field":value,…}`, without the field `skip`. */
function addObject(value: Record<string, unknown>, json: JsonTexts, leaveOut: ReadonlySet<object> | undefined, skip?: string): void {
  let entries = 0;
  for (const field in value) {
    if (field === skip) continue;
    entries++;
    json.texts.push(field);
    json.punctuation += 3;
    addValue(value[field], json, leaveOut);
  }
  json.punctuation += entries === 0 ? 2 : 1 + entries;
}
