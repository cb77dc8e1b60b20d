/**
 * The filters and grouping of a usage report, parsed once from CLI flags or admin API query
 * parameters. Every bad value is an `invalid_request` naming the parameter.
 *
 * @module
 */
import { SwitchboardError } from '../../errors.js';

/** How report rows are grouped (`by`); without one, the report is a single total row. */
export const USAGE_GROUPS = ['model', 'provider', 'project', 'key', 'day', 'hour', 'arm', 'route'] as const;
export type UsageGroupBy = (typeof USAGE_GROUPS)[number];

/** The parameters a report accepts (query parameter and CLI flag names alike). */
export const USAGE_PARAMS = ['project', 'key', 'model', 'provider', 'route', 'since', 'until', 'by'] as const;
type UsageParam = (typeof USAGE_PARAMS)[number];

export interface UsageQuery {
  /** Project name or id (resolved against `projects`). */
  project?: string;
  /** API key id or its 12-character lookup prefix. */
  key?: string;
  model?: string;
  provider?: string;
  route?: string;
  /** Inclusive lower bound; reports count the whole hour that contains it. */
  since?: Date;
  /** Exclusive upper bound; an hour counts when it starts before `until`. */
  until?: Date;
  by?: UsageGroupBy;
}

const relativePattern = /^(\d{1,6})(m|h|d|w)$/;
const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
// A date, optionally with a time and a zone; a date-time without a zone is read as UTC.
const isoPattern = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A point in time from an ISO-8601 date or date-time (UTC unless it has an offset), or a duration
 * back from `now`: `30m`, `24h`, `7d`, `2w`.
 */
export function parseUsageTime(value: string, param: string, now: Date): Date {
  const text = value.trim();
  const relative = relativePattern.exec(text);
  if (relative) return inRange(now.getTime() - Number(relative[1]) * unitMs[relative[2] as keyof typeof unitMs], value, param);
  if (isoPattern.test(text)) {
    const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) && text.length > 10;
    const time = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : hasZone ? text : `${text.replace(' ', 'T')}Z`);
    // Date.parse rolls days 29-31 past the month's end over (2026-02-30 is 2 March): refused instead.
    if (Number.isFinite(time) && !isCalendarDate(text)) {
      throw new SwitchboardError('invalid_request', `${param} names a day the calendar does not have: '${value.slice(0, 64)}'`, { param });
    }
    if (Number.isFinite(time)) return inRange(time, value, param);
  }
  throw new SwitchboardError('invalid_request', `${param} must be an ISO time (2026-12-01, 2026-12-01T10:00:00Z) or a duration back from now (30m, 24h, 7d, 2w); got '${value.slice(0, 64)}'`, {
    param,
  });
}

/**
 * Whether the `YYYY-MM-DD` that `text` starts with is a day of the (proleptic Gregorian) calendar:
 * month 1-12, day 1 to the month's length (29 February only in leap years).
 */
export function isCalendarDate(text: string): boolean {
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day) || month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is this month's last; years repeat their leap days every 400 years
  // (2000 + year % 400 keeps Date.UTC off its 1900-1999 reading of years 0-99).
  return day <= new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
}

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: what every database and date format here holds. */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * `time` as a Date when it lies in years 1 to 9999, else a 400 naming `param`: Postgres refuses
 * year 0 and instants before 4713 BC (`999999w` back is 19,000 years), which was our 500.
 */
function inRange(time: number, value: string, param: string): Date {
  if (time >= EARLIEST_MS && time <= LATEST_MS) return new Date(time);
  throw new SwitchboardError('invalid_request', `${param} must lie in the years 1 to 9999; got '${value.slice(0, 64)}'`, { param });
}

/**
 * Parses report parameters (`project`, `key`, `model`, `provider`, `route`, `since`, `until`, `by`).
 * Unknown parameters, repeated ones, empty values, bad times and an empty window are refused.
 */
export function parseUsageQuery(params: Iterable<[string, string]>, now: Date = new Date()): UsageQuery {
  const seen = new Map<UsageParam, string>();
  for (const [name, value] of params) {
    if (!(USAGE_PARAMS as readonly string[]).includes(name)) {
      throw new SwitchboardError('invalid_request', `Unknown usage filter '${name.slice(0, 64)}' (known: ${USAGE_PARAMS.join(', ')})`, { param: name.slice(0, 64) });
    }
    const param = name as UsageParam;
    if (seen.has(param)) throw new SwitchboardError('invalid_request', `${param} is given more than once`, { param });
    if (value.trim() === '' || value.length > 300) throw new SwitchboardError('invalid_request', `${param} needs a value (at most 300 characters)`, { param });
    seen.set(param, value.trim());
  }
  const query: UsageQuery = {};
  for (const name of ['project', 'key', 'model', 'provider', 'route'] as const) {
    const value = seen.get(name);
    if (value !== undefined) query[name] = value;
  }
  const since = seen.get('since');
  const until = seen.get('until');
  if (since !== undefined) query.since = parseUsageTime(since, 'since', now);
  if (until !== undefined) query.until = parseUsageTime(until, 'until', now);
  if (query.since && query.until && query.since >= query.until) {
    throw new SwitchboardError('invalid_request', 'since must be earlier than until', { param: 'since' });
  }
  const by = seen.get('by');
  if (by !== undefined) {
    if (!(USAGE_GROUPS as readonly string[]).includes(by)) {
      throw new SwitchboardError('invalid_request', `by must be one of ${USAGE_GROUPS.join(', ')}; got '${by.slice(0, 64)}'`, { param: 'by' });
    }
    query.by = by as UsageGroupBy;
  }
  return query;
}
