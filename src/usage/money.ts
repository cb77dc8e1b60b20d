/**
 * Exact money: prices and costs as integers (BigInt), never floats.
 *
 * Prices are USD per million tokens with at most 6 decimals, held as integer micro-USD per million
 * tokens (`0.15` → 150000n, see registry/parse-prices.ts); a bucket's cost in pico-USD (1e-12 USD) is then `tokens × price`,
 * exactly. Costs are stored as decimals with 12 places (`numeric(30,12)`), so the sum of rows in
 * SQL equals every report.
 *
 * @module
 */

const picoPerUsd = 10n ** 12n;
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

/** pico-USD as a decimal string with 12 places (`1500000n` → `'0.000001500000'`). */
export function picoToDecimal(pico: bigint): string {
  if (pico >= 0n && pico <= maxSafe) {
    // Up to about $9,007 in doubles: `%` and the division of an exact multiple are exact there.
    const value = Number(pico);
    const fraction = value % 1e12;
    return `${(value - fraction) / 1e12}.${String(fraction).padStart(12, '0')}`;
  }
  const negative = pico < 0n;
  const magnitude = negative ? -pico : pico;
  const whole = magnitude / picoPerUsd;
  const fraction = (magnitude % picoPerUsd).toString().padStart(12, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}
