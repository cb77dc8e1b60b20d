/**
 * A reset time in OpenAI's duration format: `20ms`, `1s`, `6.5s`, `6m0s`, `1h2m3s`.
 */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Math.round((totalSeconds % 60) * 1000) / 1000;
  if (hours > 0) return `${hours}h${minutes}m${Math.floor(seconds)}s`;
  if (minutes > 0) return `${minutes}m${Math.floor(seconds)}s`;
  return `${seconds}s`;
}

/** Periods ending this late (a window whose end is `infinity`) never reset. */
const NEVER = 8.64e15 - 366 * 86_400_000;

/** When a period ends, for messages: `at 2026-12-03T00:00:00Z (in 3h2m0s)`, or `never` for an endless window. */
export function describeReset(periodEnd: number, now: number): string {
  if (!(periodEnd < NEVER)) return 'never (the window has no end)';
  return `at ${new Date(periodEnd).toISOString().replace('.000Z', 'Z')} (in ${formatReset(periodEnd - now)})`;
}
