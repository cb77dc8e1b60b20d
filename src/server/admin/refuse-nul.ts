/**
 * What the admin API hands to the database must be text Postgres can hold: U+0000 cannot be stored
 * in text or jsonb (SQLSTATE 22021 / 22P05), so path segments, query parameters and JSON bodies
 * holding it are refused here with a 400 naming the place, before any query and in our own words.
 *
 * @module
 */
import { SwitchboardError } from '../../errors.js';

const NUL = '\u0000';

/** One percent-decoded path segment: refused when malformed (not UTF-8, a bad `%`) or holding NUL. */
export function decodeSegment(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new SwitchboardError('invalid_request', 'Malformed URL path: a segment is not valid percent-encoded UTF-8.');
  }
  if (decoded.includes(NUL)) throw new SwitchboardError('invalid_request', 'Malformed URL path: a segment holds a NUL character (%00).');
  return decoded;
}

/** The query parameters, refused when malformed (not UTF-8, a bad `%`) or when a name or value holds NUL. */
export function parseQuery(search: string): URLSearchParams {
  if (search.includes('%')) {
    try {
      decodeURIComponent(search);
    } catch {
      throw new SwitchboardError('invalid_request', 'Malformed query string: it is not valid percent-encoded UTF-8.');
    }
  }
  const query = new URLSearchParams(search);
  if (!search.includes('%00')) return query;
  for (const [name, value] of query) {
    if (name.includes(NUL)) throw new SwitchboardError('invalid_request', 'Malformed query string: a parameter name holds a NUL character (%00).');
    if (value.includes(NUL)) {
      const param = name.slice(0, 64);
      throw new SwitchboardError('invalid_request', `Query parameter '${param}' holds a NUL character (%00).`, { param });
    }
  }
  return query;
}

/** Throws a 400 naming the first string or key of a JSON body that holds NUL (`"\u0000"`). */
export function refuseNul(value: unknown, path = ''): void {
  if (typeof value === 'string') {
    if (value.includes(NUL)) throw nulError(path, 'holds');
  } else if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) refuseNul(value[index], path === '' ? String(index) : `${path}.${index}`);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes(NUL)) throw nulError(path, 'has a key holding');
      refuseNul(item, path === '' ? key : `${path}.${key}`);
    }
  }
}

function nulError(path: string, what: string): SwitchboardError {
  const param = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  const subject = param === '' ? 'The request body' : param;
  return new SwitchboardError('invalid_request', `Invalid request body: ${subject} ${what} a NUL character (\\u0000), which cannot be stored.`, {
    ...(param === '' ? {} : { param }),
  });
}
