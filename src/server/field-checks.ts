/**
 * Hand-written field checks for request bodies (cheaper than zod on the hot path). Every failure is
 * a 400 `invalid_request` whose message starts with the field path and whose `param` is that path.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

export function invalid(path: string, message: string): SwitchboardError {
  return new SwitchboardError('invalid_request', `${path} ${message}`, { param: path });
}

export function unsupported(path: string, message: string): SwitchboardError {
  return new SwitchboardError('unsupported_feature', `${path} ${message}`, { param: path });
}

/** Client text cut to `max` characters (with an ellipsis), for echoing in a message or a log line. */
export function clip(value: unknown, max = 64): string {
  // Not String(value): an object whose own `toString` is not a function makes it throw (a 500).
  const text = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (JSON.stringify(value) ?? 'object') : String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A required non-empty string. */
export function requiredString(body: JsonObject, field: string, path: string = field): string {
  const value = body[field];
  if (value === undefined || value === null) throw invalid(path, 'is required');
  if (typeof value !== 'string' || value === '') throw invalid(path, 'must be a non-empty string');
  return value;
}

/** An optional string; null counts as absent (OpenAI accepts null for optional fields). */
export function optionalString(body: JsonObject, field: string, path: string = field): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(path, 'must be a string');
  return value;
}

export function optionalBoolean(body: JsonObject, field: string, path: string = field): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(path, 'must be a boolean');
  return value;
}

/** An optional finite number within [min, max]. */
export function optionalNumber(body: JsonObject, field: string, min: number, max: number, path: string = field): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(path, 'must be a number');
  if (value < min || value > max) throw invalid(path, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** An optional integer within [min, max]. */
export function optionalInteger(body: JsonObject, field: string, min: number, max: number, path: string = field): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(path, 'must be an integer');
  if (value < min || value > max) throw invalid(path, `must be between ${min} and ${max}, got ${value}`);
  return value;
}
