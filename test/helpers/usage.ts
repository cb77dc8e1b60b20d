/**
 * Provider tests written before the ledger compare whole responses and stream parts; this strips
 * the ledger's additions (`usage.buckets`, `usage.raw`) so they keep asserting the client-facing
 * totals. The buckets and raw objects are asserted by the usage tests.
 *
 * @module
 */

/** A deep copy of `value` in which every usage object (or `value` itself) lacks `buckets` and `raw`. */
export function withoutLedgerUsage<T>(value: T): T {
  return strip(value) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== 'object' || value === null || value instanceof Error) return value;
  if ('totalTokens' in value) {
    const { buckets: _buckets, raw: _raw, ...rest } = value as Record<string, unknown>;
    return rest;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'usage' && typeof item === 'object' && item !== null) {
      const { buckets: _buckets, raw: _raw, ...rest } = item as Record<string, unknown>;
      copy[key] = rest;
    } else {
      copy[key] = strip(item);
    }
  }
  return copy;
}
