/**
 * How result values become JavaScript, shared by both adapters so they agree (see the value rules
 * in `db.ts`): node-postgres' text parsers are the base for both drivers, with a few overrides.
 *
 * @module
 */
import pg from 'pg';

/** Turns one text-format column value into its JavaScript value. */
export type TypeParser = (value: string) => unknown;

const DATE = 1082;
const DATE_ARRAY = 1182;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const NUMERIC_ARRAY = 1231;
const TEXT_ARRAY = 1009;

function pgParser(oid: number): TypeParser {
  const parser = pg.types.getTypeParser(oid, 'text') as TypeParser;
  return (value) => parser(value);
}

const identity: TypeParser = (value) => value;
const stringArray = pgParser(TEXT_ARRAY);

/** The latest and earliest times a Date holds (±8.64e15 ms): what `infinity` means to a comparison. */
export const END_OF_TIME = new Date(8.64e15);
export const START_OF_TIME = new Date(-8.64e15);

/**
 * A timestamp as a Date, `infinity` and `-infinity` included: node-postgres makes them the numbers
 * ±Infinity, and every reader calls `getTime()` on a timestamp, so a key that `expires_at =
 * 'infinity'` (never) or a price `effective_from = 'infinity'` threw on every request or reload.
 * A time past what a Date holds (Postgres goes on to the year 294276) is the latest Date too:
 * node-postgres makes it an Invalid Date, which compares false with every time (a key expiring
 * in the year 294276 was refused as expired, a fixed budget ending then was never applied).
 */
function timestampParser(oid: number): TypeParser {
  const parse = pgParser(oid);
  return (value) => {
    if (value === 'infinity') return new Date(END_OF_TIME);
    if (value === '-infinity') return new Date(START_OF_TIME);
    const parsed = parse(value);
    if (parsed instanceof Date && Number.isNaN(parsed.getTime())) return new Date(value.endsWith(' BC') ? START_OF_TIME : END_OF_TIME);
    return parsed;
  };
}

/**
 * Overrides of node-postgres' defaults: `date` stays a `'YYYY-MM-DD'` string (node-postgres makes
 * a local-midnight Date, which shifts with the process time zone), `date[]`/`numeric[]` follow
 * their element types (node-postgres turns `numeric[]` into numbers), and timestamps `±infinity`
 * are the Dates furthest from now instead of the numbers ±Infinity.
 */
const overrides: Readonly<Record<number, TypeParser>> = {
  [DATE]: identity,
  [TIMESTAMP]: timestampParser(TIMESTAMP),
  [TIMESTAMPTZ]: timestampParser(TIMESTAMPTZ),
  [DATE_ARRAY]: stringArray,
  [NUMERIC_ARRAY]: stringArray,
};

/** The parser for a type OID (text format). Types node-postgres does not parse stay strings. */
export function typeParser(oid: number): TypeParser {
  return overrides[oid] ?? pgParser(oid);
}

/** The `types` option for node-postgres pools and clients. */
export const pgCustomTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : typeParser(oid)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Parsers for PGlite covering `oids` (PGlite's own parser table) and every type node-postgres
 * parses, so each OID is parsed exactly as on Postgres.
 */
export function pgliteParsers(oids: Iterable<number | string> = []): Record<number, TypeParser> {
  const noSuchType: number = 0;
  const unparsed = pg.types.getTypeParser(noSuchType, 'text');
  const all = new Set<number>(Array.from(oids, Number).filter(Number.isInteger));
  for (let oid = 1; oid < 5000; oid += 1) {
    if (pg.types.getTypeParser(oid, 'text') !== unparsed || overrides[oid] !== undefined) all.add(oid);
  }
  const parsers: Record<number, TypeParser> = {};
  for (const oid of all) parsers[oid] = typeParser(oid);
  return parsers;
}
