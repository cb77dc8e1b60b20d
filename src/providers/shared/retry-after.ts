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
  if (raw === undefined || raw === '') return rateLimitReset(headers, now);
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds : undefined;
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
