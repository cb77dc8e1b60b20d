/**
 * Random short texts as JSON string literals, for the stream template tests: quotes, backslashes,
 * control characters, non-BMP characters and text that looks like JSON structure, spelled either as
 * `JSON.stringify` writes them or with every character escaped as `\uXXXX` (both valid JSON for the
 * same text, as different vendors write it). Deterministic (a Lehmer generator from `seed`).
 *
 * @module
 */

const alphabet = ['a', ' ', 'é', '😀', '"', '\\', '\n', '\t', '\u0000', '\u001f', '\u2028', '}', ']', ',', ':', '{"x":1}', '","content":"', '","text":"', '\\u0041', '/'];

export interface RandomLiteral {
  literal: string;
  /** A number in [0, 1) drawn with it, for the caller's own choices (key, event kind). */
  pick: number;
}

export function randomTextLiterals(seed: number, count: number): RandomLiteral[] {
  let state = seed;
  const random = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
  const literals: RandomLiteral[] = [];
  for (let index = 0; index < count; index += 1) {
    let text = '';
    const length = Math.floor(random() * 6);
    for (let char = 0; char < length; char += 1) text += alphabet[Math.floor(random() * alphabet.length)];
    const literal = random() < 0.2 ? `"${[...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(text);
    literals.push({ literal, pick: random() });
  }
  return literals;
}
