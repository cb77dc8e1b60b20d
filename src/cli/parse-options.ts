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
