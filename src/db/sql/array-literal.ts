/**
 * Elements of Postgres array literals, for inserting many rows with one parameter per column
 * (`insert … select * from unnest($1::text[], $2::int8[], …)`): the statement text never changes
 * and the driver encodes one string per column instead of one parameter per cell.
 *
 * Every string element is double-quoted with `\` and `"` escaped, so no value (a client's request
 * id, `NULL`, `""`, a comma or a brace) can end an element or shift the elements of its column; a
 * NUL, which no Postgres text can hold, is stored as U+FFFD instead of failing the whole batch.
 *
 * @module
 */

const needsEscape = /["\\\0]/;
const escapes = /["\\]/g;
const nul = /\0/g;
const bare = /^[0-9A-Za-z.:+-]+$/;

/** One text element: `NULL`, or quoted with `\` and `"` escaped (a NUL becomes U+FFFD). */
export function textElement(text: string | null | undefined): string {
  if (text === null || text === undefined) return 'NULL';
  return needsEscape.test(text) ? `"${text.replace(escapes, '\\$&').replace(nul, '\ufffd')}"` : `"${text}"`;
}

/**
 * One element of a string the gateway made (a uuid, a decimal, an id, an enum value): bare when it
 * holds only letters, digits and `.:+-`, which Postgres reads the same way; anything else (and
 * `NULL` spelled as a value) quoted as by `textElement`.
 */
export function tokenElement(text: string | null | undefined): string {
  if (text === null || text === undefined) return 'NULL';
  return bare.test(text) && !(text.length === 4 && /^null$/i.test(text)) ? text : textElement(text);
}

/**
 * One number or boolean element. Numbers print as JavaScript does (`1e-7`, `NaN`, `Infinity`),
 * which Postgres reads for float columns; integer columns refuse anything but an integer, as a
 * `$n` parameter would.
 */
export function plainElement(value: number | boolean | null | undefined): string {
  return value === null || value === undefined ? 'NULL' : String(value);
}
