/**
 * Exact USD amounts as integers of pico-USD (10^-12 USD: the scale of `cost_usd numeric(30,12)`).
 *
 * @module
 */

/** A non-negative USD decimal string (≤ 12 decimals) as pico-USD. */
export function picoUsd(decimal: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,12}))?$/.exec(decimal);
  if (!match) throw new RangeError(`not a USD amount with at most 12 decimals: '${decimal.slice(0, 40)}'`);
  return BigInt(match[1] as string) * 10n ** 12n + BigInt((match[2] ?? '').padEnd(12, '0'));
}

/** pico-USD as a USD decimal string with 12 decimals. */
export function formatPicoUsd(pico: bigint): string {
  const sign = pico < 0n ? '-' : '';
  const value = pico < 0n ? -pico : pico;
  return `${sign}${value / 10n ** 12n}.${(value % 10n ** 12n).toString().padStart(12, '0')}`;
}
