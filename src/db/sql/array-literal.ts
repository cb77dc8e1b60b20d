/**
 * Postgres array literals built column by column, for inserting many rows with one parameter per
 * column (`insert … select * from unnest($1::text[], $2::int8[], …)`): the statement text never
 * changes and the driver encodes one string per column instead of one parameter per cell.
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

/** Quoted, `\` and `"` escaped; a NUL (which Postgres text cannot hold) becomes U+FFFD. */
function quoted(text: string): string {
  return needsEscape.test(text) ? `"${text.replace(escapes, '\\$&').replace(nul, '\ufffd')}"` : `"${text}"`;
}

/** `{"a","b\"c",NULL}`: a text (or uuid, numeric, jsonb, timestamptz …) array literal. */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  let literal = '{';
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (index > 0) literal += ',';
    literal += value === null || value === undefined ? 'NULL' : quoted(value);
  }
  return `${literal}}`;
}

const bare = /^[0-9A-Za-z.:+-]+$/;

/**
 * `{6b1c…,0.000015,NULL}`: like `textArrayLiteral`, but an element made only of letters, digits and
 * `.:+-` (a uuid, a decimal, an id, an enum value) is written bare, which Postgres reads the same
 * way; anything else (and `NULL` spelled as a value) is quoted as in `textArrayLiteral`.
 */
export function tokenArrayLiteral(values: readonly (string | null)[]): string {
  let literal = '{';
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (index > 0) literal += ',';
    if (value === null || value === undefined) literal += 'NULL';
    else literal += bare.test(value) && !(value.length === 4 && /^null$/i.test(value)) ? value : quoted(value);
  }
  return `${literal}}`;
}

/**
 * `{1,2.5,NULL}` / `{true,false}`: a number or boolean array literal. Numbers print as JavaScript
 * does (`1e-7`, `NaN`, `Infinity`), which Postgres reads for float columns; integer columns refuse
 * anything but an integer, as a `$n` parameter would.
 */
export function plainArrayLiteral(values: readonly (number | boolean | null)[]): string {
  let literal = '{';
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (index > 0) literal += ',';
    literal += value === null || value === undefined ? 'NULL' : String(value);
  }
  return `${literal}}`;
}
