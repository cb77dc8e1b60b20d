/**
 * Exact USD amounts as integers of pico-USD (10^-12 USD: the scale of `cost_usd numeric(30,12)`);
 * the reverse of the ledger's `picoToDecimal` (../money.ts).
 *
 * @module
 */

/** A non-negative USD decimal string (≤ 12 decimals) as pico-USD. */
export function picoUsd(decimal: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,12}))?$/.exec(decimal);
  if (!match) throw new RangeError(`not a USD amount with at most 12 decimals: '${decimal.slice(0, 40)}'`);
  return BigInt(match[1] as string) * 10n ** 12n + BigInt((match[2] ?? '').padEnd(12, '0'));
}
