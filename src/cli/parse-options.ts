import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SwitchboardError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;

/** Strict option parsing whose errors are one-line `invalid_request` errors. */
export function parseOptions<T extends Options>(args: string[], options: T, allowPositionals = false): Parsed<T> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new SwitchboardError('invalid_request', error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error));
  }
}

/** The value of a required string option, or a clear error naming the flag. */
export function requireOption(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new SwitchboardError('invalid_request', `${flag} is required`);
  return value;
}

/**
 * A whole number written in decimal digits, from `min` to `max`, or a clear error naming the flag.
 * (`Number()` reads '' and ' ' as 0, `0x10` as 16 and `1e3` as 1000.)
 */
export function integerOption(value: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const number = /^[0-9]{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new SwitchboardError('invalid_request', `${flag} must be a whole number ${range}, got '${value}'`);
  }
  return number;
}

/** A non-negative number written in decimal digits (`0.5`, `30`), or a clear error naming the flag. */
export function numberOption(value: string, flag: string): number {
  if (!/^[0-9]{1,16}(\.[0-9]{1,16})?$/.test(value)) throw new SwitchboardError('invalid_request', `${flag} must be a number such as 3 or 0.5, got '${value}'`);
  return Number(value);
}
