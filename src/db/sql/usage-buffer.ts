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
import { usageColumns, type UsageRowInsert } from './usage-columns.js';

const segmentRows = 256;

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
  /** A written segment kept for reuse. */
  #spare: Segment | undefined;

  get length(): number {
    return this.#length;
  }

  push(row: UsageRowInsert): void {
    const at = this.#head + this.#length;
    const index = Math.floor(at / segmentRows);
    if (index === this.#segments.length) {
      this.#segments.push(this.#spare ?? newSegment());
      this.#spare = undefined;
    }
    const segment = this.#segments[index] as Segment;
    const slot = at % segmentRows;
    let base = slot * numberFields.length;
    for (let field = 0; field < numberFields.length; field += 1) {
      const value = (numberFields[field] as Field)(row);
      if (value === null) segment.numbers[base + field] = Number.NaN;
      else if (typeof value !== 'number') segment.numbers[base + field] = (value as Date).getTime();
      else segment.numbers[base + field] = inMicros[field] ? Math.round(value * 1000) : value;
    }
    base = slot * boolFields.length;
    for (let field = 0; field < boolFields.length; field += 1) segment.bools[base + field] = (boolFields[field] as Field)(row) ? 1 : 0;
    base = slot * stringFields.length;
    for (let field = 0; field < stringFields.length; field += 1) segment.strings[base + field] = (stringFields[field] as Field)(row);
    this.#length += 1;
  }

  /**
   * The insert's parameters for the `count` oldest rows: one array literal per column (raw usage:
   * one JSON array), then the base of the times (the first row's start, epoch ms).
   */
  params(count: number): string[] {
    const rows = Math.min(count, this.#length);
    const first = this.#segments[0];
    const base = rows === 0 || first === undefined ? 0 : (first.numbers[this.#head * startedPlace.width + startedPlace.offset] as number);
    const params = usageColumns.map(([, , encoding], column) => {
      const { store, offset, width } = places[column] as Place;
      if (encoding === 'json') {
        const objects: unknown[] = [];
        this.#each(rows, (segment, slot) => {
          objects.push(segment.strings[slot * width + offset]);
        });
        return jsonbText(objects);
      }
      let literal = '{';
      this.#each(rows, (segment, slot, first) => {
        if (!first) literal += ',';
        const at = slot * width + offset;
        if (store === 'numbers') {
          const value = segment.numbers[at] as number;
          literal += Number.isNaN(value) ? 'NULL' : plainElement(encoding === 'ms' ? value - base : value);
        } else if (store === 'bools') literal += segment.bools[at] ? 'true' : 'false';
        else if (encoding === 'token') literal += tokenElement(segment.strings[at] as string | null);
        else literal += textElement(segment.strings[at] as string | null);
      });
      return `${literal}}`;
    });
    params.push(String(base));
    return params;
  }

  /** The request id and attempt of the `index`-th oldest row (for log lines). */
  describe(index: number): { requestId: string; attempt: number } {
    const [segment, slot] = this.#locate(index);
    return {
      requestId: segment.strings[slot * requestIdPlace.width + requestIdPlace.offset] as string,
      attempt: segment.numbers[slot * attemptPlace.width + attemptPlace.offset] as number,
    };
  }

  /** Gives the `index`-th oldest row another request id (a duplicate's suffixed id). */
  setRequestId(index: number, requestId: string): void {
    const [segment, slot] = this.#locate(index);
    segment.strings[slot * requestIdPlace.width + requestIdPlace.offset] = requestId;
  }

  /** Drops the `count` oldest rows (written, or given up). */
  shift(count: number): void {
    const rows = Math.min(count, this.#length);
    this.#head += rows;
    this.#length -= rows;
    while (this.#head >= segmentRows || (this.#length === 0 && this.#segments.length > 0)) {
      const done = this.#segments.shift() as Segment;
      this.#head = this.#head >= segmentRows ? this.#head - segmentRows : 0;
      // Kept for the next segment, without holding on to the strings it held.
      done.strings.fill(null);
      this.#spare = done;
    }
  }

  clear(): void {
    this.shift(this.#length);
  }

  #locate(index: number): [Segment, number] {
    const at = this.#head + index;
    return [this.#segments[Math.floor(at / segmentRows)] as Segment, at % segmentRows];
  }

  #each(rows: number, visit: (segment: Segment, slot: number, first: boolean) => void): void {
    let left = rows;
    let slot = this.#head;
    for (let index = 0; left > 0; index += 1) {
      const segment = this.#segments[index] as Segment;
      const end = Math.min(segmentRows, slot + left);
      for (; slot < end; slot += 1, left -= 1) visit(segment, slot, left === rows);
      slot = 0;
    }
  }
}
