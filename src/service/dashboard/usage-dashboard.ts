/**
 * The dashboard's usage routes: `GET /usage/series` (chart points from the hourly rollups, hour
 * or day buckets in a time zone, JSON or CSV) and `GET /usage/requests` (keyset pages of ledger
 * rows, newest first).
 *
 * @module
 */
import type { Queryable } from '../../db/db.js';
import { selectUsagePage, selectUsageSeries, type DashboardFilters, type LedgerListRow, type StatusClass } from '../../db/sql/usage-dashboard.js';
import { SwitchboardError } from '../../errors.js';
import { histogramPercentile, LATENCY_BUCKETS } from '../../usage/reports/latency-percentile.js';
import { isCalendarDate, parseUsageQuery } from '../../usage/reports/usage-query.js';
import { resolveFilters } from '../../usage/reports/usage-report.js';
import { readEnum, readLimit, readParams } from './query-params.js';

const FILTERS = ['project', 'key', 'model', 'provider', 'route', 'since', 'until'] as const;
const STATUS: readonly StatusClass[] = ['2xx', '4xx', '5xx'];
const HOUR = 3_600_000;
/** Most points a series may have (100 days of hours, 6.5 years of days). */
const MAX_POINTS = 2400;

export interface SeriesPoint {
  t: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  /** Server-side web searches billed per search (their price is in `cost_usd`). */
  web_search_calls: number;
  /** Exact USD decimal string. */
  cost_usd: string;
  p95_ms: number | null;
}

export interface UsageSeries {
  bucket: 'hour' | 'day';
  tz: string;
  since: string;
  until: string;
  points: SeriesPoint[];
}

/** A CSV answer (the router sends it as text/csv). */
export class CsvAnswer {
  constructor(
    readonly body: string,
    readonly filename: string,
  ) {}
}

/** An IANA zone name Node knows (Postgres is checked by running the query: 22023 is a 400 too). */
export function checkTimeZone(tz: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(tz)) throw badZone(tz);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    throw badZone(tz);
  }
}

function badZone(tz: string): SwitchboardError {
  return new SwitchboardError('invalid_request', `tz must be an IANA time zone name (Europe/Paris, UTC); got '${tz.slice(0, 64)}'`, { param: 'tz' });
}

async function readFilters(db: Queryable, seen: Map<string, string>, now: Date): Promise<DashboardFilters> {
  const query = parseUsageQuery(FILTERS.flatMap((name) => (seen.has(name) ? [[name, seen.get(name) as string] as [string, string]] : [])), now);
  const filters: DashboardFilters = await resolveFilters(db, query);
  const status = readEnum(seen.get('status'), 'status', STATUS);
  if (status !== undefined) filters.status = status;
  return filters;
}

/** `GET /usage/series` */
export async function usageSeries(db: Queryable, params: Iterable<[string, string]>, now = new Date()): Promise<UsageSeries | CsvAnswer> {
  const seen = readParams(params, [...FILTERS, 'status', 'bucket', 'tz', 'format']);
  const bucket = readEnum(seen.get('bucket'), 'bucket', ['hour', 'day'] as const) ?? 'hour';
  const tz = checkTimeZone(seen.get('tz') ?? 'UTC');
  const format = readEnum(seen.get('format'), 'format', ['json', 'csv'] as const) ?? 'json';
  const filters = await readFilters(db, seen, now);
  const until = filters.until ?? now;
  const since = filters.since ?? new Date(until.getTime() - (bucket === 'hour' ? 24 * HOUR : 30 * 24 * HOUR));
  if (since >= until) throw new SwitchboardError('invalid_request', 'since must be earlier than until', { param: 'since' });
  if ((until.getTime() - since.getTime()) / (bucket === 'hour' ? HOUR : 24 * HOUR) > MAX_POINTS) {
    throw new SwitchboardError('invalid_request', `the window holds more than ${MAX_POINTS} ${bucket} buckets: narrow since/until or use bucket=day`, { param: 'since' });
  }
  let rows;
  try {
    rows = await selectUsageSeries(db, { ...filters, since, until }, bucket, tz, LATENCY_BUCKETS);
  } catch (error) {
    // Postgres does not know a zone Node knows (22023 invalid_parameter_value).
    if (SwitchboardError.isInstance(error) && error.code === 'invalid_request') throw badZone(tz);
    throw error;
  }
  const points = rows.map((row) => ({
    t: row.t.toISOString(),
    requests: Number(row.requests),
    errors: Number(row.errors),
    input_tokens: Number(row.inputTokens),
    output_tokens: Number(row.outputTokens),
    web_search_calls: Number(row.webSearchCalls),
    cost_usd: row.costUsd,
    p95_ms: row.durationHistogram ? histogramPercentile(row.durationHistogram, 0.95) : null,
  }));
  const series: UsageSeries = { bucket, tz, since: since.toISOString(), until: until.toISOString(), points };
  return format === 'csv' ? new CsvAnswer(seriesCsv(series), `usage-${bucket}.csv`) : series;
}

function seriesCsv(series: UsageSeries): string {
  // web_search_calls last: the earlier columns keep their places for sheets that read them by position.
  const lines = ['t,requests,errors,input_tokens,output_tokens,cost_usd,p95_ms,web_search_calls'];
  for (const point of series.points) {
    lines.push([point.t, point.requests, point.errors, point.input_tokens, point.output_tokens, point.cost_usd, point.p95_ms ?? '', point.web_search_calls].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export interface UsagePage {
  data: Omit<LedgerListRow, 'cursor'>[];
  next_before: string | null;
}

/** `GET /usage/requests` */
export async function usageRequests(db: Queryable, params: Iterable<[string, string]>, now = new Date()): Promise<UsagePage> {
  const seen = readParams(params, [...FILTERS, 'status', 'before', 'limit']);
  const limit = readLimit(seen.get('limit'), 50, 200);
  const before = seen.get('before');
  const cursor = before === undefined ? undefined : decodeCursor(before);
  const filters = await readFilters(db, seen, now);
  const rows = await selectUsagePage(db, filters, cursor, limit);
  const last = rows[rows.length - 1];
  return {
    data: rows.map(({ cursor: _cursor, ...row }) => row),
    next_before: rows.length === limit && last ? Buffer.from(last.cursor).toString('base64url') : null,
  };
}

function isCursorInstant(instant: string): boolean {
  return isCalendarDate(instant) && instant.slice(0, 4) !== '0000' && Number(instant.slice(11, 13)) < 24 && Number(instant.slice(14, 16)) < 60 && Number(instant.slice(17, 19)) < 60;
}

function decodeCursor(value: string): { startedAt: string; id: string } {
  const text = /^[A-Za-z0-9_-]{1,80}$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : '';
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\.(\d{1,18})$/.exec(text);
  // An instant the database holds (a cursor is ours, but the caller hands it back): a real day, a time of day, years 1-9999.
  if (!match || !isCursorInstant(match[1] as string)) throw new SwitchboardError('invalid_request', 'before must be a next_before cursor from a previous page', { param: 'before' });
  return { startedAt: match[1] as string, id: match[2] as string };
}
