/** A non-negative decimal USD amount (`'10.5'`, `'0.000001'`) as pico-USD, or undefined when malformed. */
export function decimalToPico(value: string): bigint | undefined {
  const match = /^(\d{1,24})(?:\.(\d{1,12})\d*)?$/.exec(value.trim());
  if (!match) return undefined;
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').padEnd(12, '0');
  return BigInt(whole) * 1_000_000_000_000n + BigInt(fraction);
}

/** pico-USD as a short USD amount for messages (`$1.50`, `$0.000123`). */
export function picoToUsd(pico: bigint): string {
  const negative = pico < 0n;
  const magnitude = negative ? -pico : pico;
  const whole = magnitude / 1_000_000_000_000n;
  let fraction = (magnitude % 1_000_000_000_000n).toString().padStart(12, '0').replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${negative ? '-' : ''}$${whole}.${fraction}`;
}
