import type { IncomingHttpHeaders } from 'node:http';

/**
 * Seconds to wait, from `retry-after-ms`, or `retry-after` as seconds or an HTTP date.
 * Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: IncomingHttpHeaders, now: number = Date.now()): number | undefined {
  const milliseconds = Number(headerValue(headers['retry-after-ms']));
  if (Number.isFinite(milliseconds) && milliseconds >= 0 && headers['retry-after-ms'] !== undefined) {
    return milliseconds / 1000;
  }
  const raw = headerValue(headers['retry-after']);
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds : undefined;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
