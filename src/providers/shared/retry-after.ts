import type { IncomingHttpHeaders } from 'node:http';

/**
 * The longest wait passed on (one day, seconds). The value reaches the client's `retry-after` and
 * the route's wait decision; an upstream's (or a relay's) absurd value must not become either.
 */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/** A non-negative decimal number as HTTP writes it (no sign, hex, exponent or spaces). */
const DECIMAL = /^\d+(?:\.\d+)?$/;

/**
 * Seconds to wait, from `retry-after-ms`, or `retry-after` as seconds or an HTTP date, else the
 * vendors' reset headers; at most MAX_RETRY_AFTER_SECONDS. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: IncomingHttpHeaders, now: number = Date.now()): number | undefined {
  const wait = readRetryAfter(headers, now);
  return wait === undefined ? undefined : Math.min(wait, MAX_RETRY_AFTER_SECONDS);
}

function readRetryAfter(headers: IncomingHttpHeaders, now: number): number | undefined {
  const milliseconds = headerValue(headers['retry-after-ms'])?.trim();
  if (milliseconds !== undefined && DECIMAL.test(milliseconds)) return Number(milliseconds) / 1000;
  const raw = headerValue(headers['retry-after'])?.trim();
  if (raw === undefined || raw === '') return rateLimitReset(headers, now);
  if (DECIMAL.test(raw)) return Number(raw);
  // Anything else must be an HTTP date (IMF-fixdate and the obsolete forms name a weekday or month).
  if (!/[A-Za-z]{3}/.test(raw)) return undefined;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/**
 * Without `retry-after`, the vendor's rate-limit reset headers: OpenAI's `x-ratelimit-reset-requests`
 * / `-tokens` (durations such as `1s`, `6m0s`, `20ms`) and Anthropic's
 * `anthropic-ratelimit-requests-reset` / `-tokens-reset` (RFC 3339 times). The longest wins.
 */
function rateLimitReset(headers: IncomingHttpHeaders, now: number): number | undefined {
  let wait: number | undefined;
  for (const name of ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']) {
    const seconds = parseDuration(headerValue(headers[name]));
    if (seconds !== undefined) wait = Math.max(wait ?? 0, seconds);
  }
  for (const name of ['anthropic-ratelimit-requests-reset', 'anthropic-ratelimit-tokens-reset']) {
    const raw = headerValue(headers[name]);
    const date = raw === undefined ? Number.NaN : Date.parse(raw);
    if (!Number.isNaN(date)) wait = Math.max(wait ?? 0, (date - now) / 1000);
  }
  return wait;
}

/** `1h2m3.5s`, `20ms` → seconds; undefined when unreadable. */
function parseDuration(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/.test(raw)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of raw.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const value = Number(amount);
    seconds += unit === 'ms' ? value / 1000 : unit === 'h' ? value * 3600 : unit === 'm' ? value * 60 : value;
  }
  return seconds;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
