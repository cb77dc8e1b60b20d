/**
 * Ledger rows waiting to be written, kept column by column: numbers and booleans in typed arrays,
 * strings and the vendor's usage object by reference. A waiting row so holds only what it already
 * had of its own (its request id, its cost, its usage object), not also a 36-field object and two
 * Dates: the row object the recorder hands over dies young. Rows wait up to a batch (hundreds of
 * milliseconds at load), and as objects they survived young-generation collections, were copied
 * and promoted; in `bench/ledger-micro.mjs` that cost the gateway more than encoding them. It
 * also bounds memory tighter while the database is away.
 *
 * Rows live in fixed-size segments, oldest first; writing takes rows from the front (`params`,
 * then `shift` once the insert succeeded), pushing appends at the back.
 *
 * @module
 */
import { plainElement, textElement, tokenElement } from './array-literal.js';
import { jsonbText } from './jsonb-safe.js';
import { scalarEncodings, usageColumns, type UsageRowInsert } from './usage-columns.js';

const segmentRows = 256;
/** Segments kept for reuse once written: a default batch (500 rows) and the rows arriving meanwhile. */
const spareSegments = 4;

type Field = (typeof usageColumns)[number][3];

/** Where a column's values live in a segment: which store, and its offset within a row there. */
interface Place {
  store: 'numbers' | 'bools' | 'strings';
  offset: number;
  width: number;
}

/**
 * A segment's rows, row-major within each store: numbers (times as epoch ms, durations as whole
 * µs; NaN for null), booleans, and references (text, tokens, and the raw usage object,
 * JSON-encoded per batch). One store per kind keeps every read and write monomorphic.
 */
interface Segment {
  numbers: Float64Array;
  bools: Uint8Array;
  strings: unknown[];
}

const numberFields: Field[] = [];
/** Per number field: stored as whole microseconds (`micros`), not as given. */
const inMicros: boolean[] = [];
const boolFields: Field[] = [];
const stringFields: Field[] = [];
const places: Place[] = usageColumns.map(([, , encoding, field]) => {
  if (encoding === 'number' || encoding === 'ms' || encoding === 'micros') {
    inMicros.push(encoding === 'micros');
    return { store: 'numbers', offset: numberFields.push(field) - 1, width: 0 };
  }
  if (encoding === 'bool') return { store: 'bools', offset: boolFields.push(field) - 1, width: 0 };
  return { store: 'strings', offset: stringFields.push(field) - 1, width: 0 };
});
for (const place of places) place.width = { numbers: numberFields, bools: boolFields, strings: stringFields }[place.store].length;

const requestIdPlace = places[usageColumns.findIndex(([name]) => name === 'request_id')] as Place;
const attemptPlace = places[usageColumns.findIndex(([name]) => name === 'attempt')] as Place;
const startedPlace = places[usageColumns.findIndex(([name]) => name === 'started_at')] as Place;

/** Copies one row into a segment's stores at the given offsets (see `compileRowWriter`). */
type RowWriter = (row: UsageRowInsert, numbers: Float64Array, n: number, bools: Uint8Array, b: number, strings: unknown[], s: number) => void;

/**
 * The row writer, generated once from the column table: one plain property read per column. A loop
 * over per-column reader functions made every read a call through a megamorphic site, on every
 * request (bench/ledger-micro.mjs). Only the table's own field names (checked to be identifiers)
 * reach the source; no value does.
 */
function compileRowWriter(): RowWriter {
  const read = (field: Field): string => {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(field)) throw new Error(`usage column field '${field}' is not an identifier`);
    return `row.${field}`;
  };
  const lines = ['let value;'];
  numberFields.forEach((field, index) => {
    lines.push(`value = ${read(field)};`, `numbers[n + ${index}] = value === null || value === undefined ? NaN : ${inMicros[index] ? 'Math.round(value * 1000)' : 'value'};`);
  });
  boolFields.forEach((field, index) => lines.push(`bools[b + ${index}] = ${read(field)} ? 1 : 0;`));
  stringFields.forEach((field, index) => lines.push(`strings[s + ${index}] = ${read(field)};`));
  return new Function('row', 'numbers', 'n', 'bools', 'b', 'strings', 's', lines.join('\n')) as RowWriter;
}

const writeRow = compileRowWriter();

function newSegment(): Segment {
  return {
    numbers: new Float64Array(segmentRows * numberFields.length),
    bools: new Uint8Array(segmentRows * boolFields.length),
    strings: new Array<unknown>(segmentRows * stringFields.length).fill(null),
  };
}

export class UsageBuffer {
  #segments: Segment[] = [];
  /** The first waiting row's slot in `#segments[0]`. */
  #head = 0;
  #length = 0;
  /** Written segments kept for reuse (up to `spareSegments`). */
  readonly #spares: Segment[] = [];

  get length(): number {
    return this.#length;
  }

  push(row: UsageRowInsert): void {
    const at = this.#head + this.#length;
    const index = Math.floor(at / segmentRows);
    if (index === this.#segments.length) {
      this.#segments.push(this.#spares.pop() ?? newSegment());
    }
    const segment = this.#segments[index] as Segment;
    const slot = at % segmentRows;
    writeRow(row, segment.numbers, slot * numberFields.length, segment.bools, slot * boolFields.length, segment.strings, slot * stringFields.length);
    this.#length += 1;
  }

  /**
   * The insert's parameters for the `count` oldest rows: one array literal per column (raw usage:
   * one JSON array; `dict` columns: each row's 1-based index into the batch's distinct values, 0
   * for null), then the base of the times (the first row's start, epoch ms), then the distinct
   * values of each `dict` column, then one value per `scalarColumns` column. A column whose value
   * is the same in every row of the batch travels once: its array is `{}` (unnest pads it with
   * nulls) and the value is its scalar (a `dict` column's: its only distinct value, index 1).
   */
  params(count: number): (string | null)[] {
    const ranges = this.#ranges(Math.min(count, this.#length));
    const first = ranges[0];
    const base = first === undefined ? 0 : (first.segment.numbers[first.from * startedPlace.width + startedPlace.offset] as number);
    const dictionaries: string[] = [];
    const scalars: (string | null)[] = [];
    const params = usageColumns.map(([, , encoding], column) => {
      const { store, offset, width } = places[column] as Place;
      const scalar = scalarEncodings.has(encoding);
      if (store === 'numbers') {
        if (scalar) {
          const value = same(ranges, store, offset, width) as number | typeof differ;
          scalars.push(value === differ || Number.isNaN(value) ? null : String(value));
          if (value !== differ) return '{}';
        }
        return numberLiteral(ranges, offset, width, encoding === 'ms' ? base : 0);
      }
      if (store === 'bools') {
        const value = same(ranges, store, offset, width);
        scalars.push(value === differ ? null : value === 1 ? 'true' : 'false');
        return value === differ ? boolLiteral(ranges, offset, width) : '{}';
      }
      if (encoding === 'json') return jsonbText(stringValues(ranges, offset, width));
      if (encoding === 'dict') {
        const [indexes, values] = dictLiterals(ranges, offset, width);
        dictionaries.push(values);
        return indexes;
      }
      if (!scalar) return stringLiteral(ranges, offset, width, textElement);
      const value = same(ranges, store, offset, width) as string | null | typeof differ;
      scalars.push(value === differ ? null : value);
      return value === differ ? stringLiteral(ranges, offset, width, tokenElement) : '{}';
    });
    params.push(String(base), ...dictionaries);
    return [...params, ...scalars];
  }

  /** The request id and attempt of the `index`-th oldest row (for log lines). */
  describe(index: number): { requestId: string; attempt: number } {
    const [segment, slot] = this.#locate(index);
    return {
      requestId: segment.strings[slot * requestIdPlace.width + requestIdPlace.offset] as string,
      attempt: segment.numbers[slot * attemptPlace.width + attemptPlace.offset] as number,
    };
  }

  /**
   * The `index`-th oldest row read back as pushed (a duration to the microsecond it is kept at), to
   * compare it with a row found in the ledger; not for the write path.
   */
  row(index: number): UsageRowInsert {
    const [segment, slot] = this.#locate(index);
    const row: Partial<Record<Field, unknown>> = {};
    numberFields.forEach((field, offset) => {
      const value = segment.numbers[slot * numberFields.length + offset] as number;
      row[field] = Number.isNaN(value) ? null : inMicros[offset] ? value / 1000 : value;
    });
    boolFields.forEach((field, offset) => (row[field] = segment.bools[slot * boolFields.length + offset] === 1));
    stringFields.forEach((field, offset) => (row[field] = segment.strings[slot * stringFields.length + offset]));
    return row as UsageRowInsert;
  }

  /** Gives the `index`-th oldest row another request id (a duplicate's suffixed id). */
  setRequestId(index: number, requestId: string): void {
    const [segment, slot] = this.#locate(index);
    segment.strings[slot * requestIdPlace.width + requestIdPlace.offset] = requestId;
  }

  /**
   * Moves the rows at `indexes` (ascending, each below `count`) to the last places among the `count`
   * oldest rows, in their order, over the rows there (written ones): a following `shift(count -
   * indexes.length)` leaves exactly them at the front.
   */
  moveToEnd(count: number, indexes: readonly number[]): void {
    for (let j = indexes.length - 1; j >= 0; j -= 1) {
      const from = indexes[j] as number;
      const to = count - indexes.length + j;
      if (from === to) continue;
      const [source, a] = this.#locate(from);
      const [target, b] = this.#locate(to);
      target.numbers.set(source.numbers.subarray(a * numberFields.length, (a + 1) * numberFields.length), b * numberFields.length);
      target.bools.set(source.bools.subarray(a * boolFields.length, (a + 1) * boolFields.length), b * boolFields.length);
      for (let k = 0; k < stringFields.length; k += 1) target.strings[b * stringFields.length + k] = source.strings[a * stringFields.length + k];
    }
  }

  /** Drops the `count` oldest rows (written, or given up). */
  shift(count: number): void {
    const rows = Math.min(count, this.#length);
    this.#head += rows;
    this.#length -= rows;
    while (this.#head >= segmentRows || (this.#length === 0 && this.#segments.length > 0)) {
      const done = this.#segments.shift() as Segment;
      this.#head = this.#head >= segmentRows ? this.#head - segmentRows : 0;
      if (this.#spares.length < spareSegments) {
        // Kept for a later segment, without holding on to the strings it held.
        done.strings.fill(null);
        this.#spares.push(done);
      }
    }
  }

  clear(): void {
    this.shift(this.#length);
  }

  #locate(index: number): [Segment, number] {
    const at = this.#head + index;
    return [this.#segments[Math.floor(at / segmentRows)] as Segment, at % segmentRows];
  }

  /** Where the `rows` oldest rows lie: one slot range per segment. */
  #ranges(rows: number): Range[] {
    const ranges: Range[] = [];
    let left = rows;
    let from = this.#head;
    for (let index = 0; left > 0; index += 1) {
      const to = Math.min(segmentRows, from + left);
      ranges.push({ segment: this.#segments[index] as Segment, from, to });
      left -= to - from;
      from = 0;
    }
    return ranges;
  }
}

/** Slots `from` (inclusive) to `to` (exclusive) of one segment. */
interface Range {
  segment: Segment;
  from: number;
  to: number;
}

function numberLiteral(ranges: readonly Range[], offset: number, width: number, base: number): string {
  let literal = '';
  for (const { segment, from, to } of ranges) {
    const numbers = segment.numbers;
    for (let slot = from; slot < to; slot += 1) {
      const value = numbers[slot * width + offset] as number;
      literal += Number.isNaN(value) ? ',NULL' : `,${plainElement(value - base)}`;
    }
  }
  return `{${literal.slice(1)}}`;
}

function boolLiteral(ranges: readonly Range[], offset: number, width: number): string {
  let literal = '';
  for (const { segment, from, to } of ranges) {
    const bools = segment.bools;
    for (let slot = from; slot < to; slot += 1) literal += bools[slot * width + offset] ? ',true' : ',false';
  }
  return `{${literal.slice(1)}}`;
}

function stringValues(ranges: readonly Range[], offset: number, width: number): unknown[] {
  const values: unknown[] = [];
  for (const { segment, from, to } of ranges) {
    for (let slot = from; slot < to; slot += 1) values.push(segment.strings[slot * width + offset]);
  }
  return values;
}

function stringLiteral(ranges: readonly Range[], offset: number, width: number, element: (text: string | null) => string): string {
  let literal = '';
  for (const { segment, from, to } of ranges) {
    for (let slot = from; slot < to; slot += 1) literal += `,${element(segment.strings[slot * width + offset] as string | null)}`;
  }
  return `{${literal.slice(1)}}`;
}

/** What `same` answers when the rows of `ranges` do not all hold the same value. */
const differ: unique symbol = Symbol('differ');

/**
 * The one value every row in `ranges` holds in a column of `store` (NaN: a null number, 1/0: a
 * boolean), or `differ`.
 */
function same(ranges: readonly Range[], store: Place['store'], offset: number, width: number): unknown {
  const first = ranges[0];
  if (first === undefined) return differ;
  const value = first.segment[store][first.from * width + offset];
  for (const range of ranges) {
    const values = range.segment[store];
    for (let slot = range.from; slot < range.to; slot += 1) if (!Object.is(values[slot * width + offset], value)) return differ;
  }
  return value;
}

/**
 * A `dict` column: each row's 1-based index into the distinct values (0 for null, which indexes
 * nothing), and those values. When every row holds the same value the indexes are `{}`, which the
 * statement reads as index 1 (the value, or nothing when it is null).
 */
function dictLiterals(ranges: readonly Range[], offset: number, width: number): [string, string] {
  const shared = same(ranges, 'strings', offset, width) as string | null | typeof differ;
  if (shared !== differ) return ['{}', shared === null ? '{}' : `{${textElement(shared)}}`];
  const seen = new Map<string, number>();
  let indexes = '';
  let values = '';
  let last: string | null = null;
  let lastIndex = '0';
  for (const { segment, from, to } of ranges) {
    for (let slot = from; slot < to; slot += 1) {
      const value = segment.strings[slot * width + offset] as string | null;
      if (value !== last) {
        last = value;
        if (value === null) lastIndex = '0';
        else {
          let index = seen.get(value);
          if (index === undefined) {
            index = seen.size + 1;
            seen.set(value, index);
            values += `,${textElement(value)}`;
          }
          lastIndex = String(index);
        }
      }
      indexes += `,${lastIndex}`;
    }
  }
  return [`{${indexes.slice(1)}}`, `{${values.slice(1)}}`];
}
