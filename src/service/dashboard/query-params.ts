/**
 * Query-string parsing shared by the dashboard routes: each parameter at most once, known names
 * only, bounded values; every refusal is a 400 naming the parameter.
 *
 * @module
 */
import { SwitchboardError } from '../../errors.js';

/** The parameters as a map, refusing unknown, repeated, empty and over-long ones. */
export function readParams(params: Iterable<[string, string]>, known: readonly string[]): Map<string, string> {
  const seen = new Map<string, string>();
  for (const [name, value] of params) {
    const shown = name.slice(0, 64);
    if (!known.includes(name)) throw new SwitchboardError('invalid_request', `Unknown parameter '${shown}' (known: ${known.join(', ')})`, { param: shown });
    if (seen.has(name)) throw new SwitchboardError('invalid_request', `${name} is given more than once`, { param: name });
    if (value.trim() === '' || value.length > 300) throw new SwitchboardError('invalid_request', `${name} needs a value (at most 300 characters)`, { param: name });
    seen.set(name, value.trim());
  }
  return seen;
}

/** `limit`: an integer 1..max, default `fallback`. */
export function readLimit(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new SwitchboardError('invalid_request', `limit must be an integer from 1 to ${max}`, { param: 'limit' });
  }
  return Number(value);
}

/** One of `allowed`, or a 400 naming `param`. */
export function readEnum<T extends string>(value: string | undefined, param: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new SwitchboardError('invalid_request', `${param} must be one of ${allowed.join(', ')}; got '${value.slice(0, 64)}'`, { param });
  }
  return value as T;
}
