/**
 * The vendor's usage object as the ledger keeps it (`raw_usage`). The vendor's answer decides it,
 * and an upstream (hostile, broken, or echoing the request) can put anything there: megabytes of
 * text within the answer's size limit, or the credential it was called with. Usage objects hold
 * counts, flags and short enum words (`service_tier`, a modality), so only those are kept: finite
 * numbers, booleans, null, code-like strings of at most 32 characters, under keys of at most 32
 * characters (every vendor key format is longer), at most 4 levels deep and 256 values in all.
 * A row stays small, and no free text (no key, no prompt echoed) reaches the ledger, usage
 * explain or the admin API.
 *
 * A vendor's usual object passes as it is, checked without allocating (this runs for every
 * attempt); only one with something to leave out is copied.
 *
 * @module
 */

/** Values (containers included, at any depth) kept at most. */
const MAX_VALUES = 256;
/** Levels of objects and arrays (the usage object itself is level 1). */
const MAX_DEPTH = 4;
/** A key's length at most: usage keys are words (`cache_creation_input_tokens`), secrets longer. */
const MAX_KEY_LENGTH = 32;
/** A string value: an enum word (`default`, `TEXT`, `standard`). */
const WORD = /^[A-Za-z0-9_.:-]{0,32}$/;

interface Budget {
  left: number;
}

/** The storable part of `raw`: `raw` itself when all of it may be kept; null when it is not an object. */
export function storableRawUsage(raw: unknown): Record<string, unknown> | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const usage = raw as Record<string, unknown>;
  return fits(usage, 1, { left: MAX_VALUES }) ? usage : copyObject(usage, 1, { left: MAX_VALUES - 1 });
}

function keyFits(key: string): boolean {
  return key.length > 0 && key.length <= MAX_KEY_LENGTH;
}

function scalarFits(value: unknown): boolean {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'string':
      return WORD.test(value);
    default:
      return value === null;
  }
}

/** Whether `value`, at level `depth`, may be kept whole. */
function fits(value: unknown, depth: number, budget: Budget): boolean {
  if (--budget.left < 0) return false;
  if (typeof value !== 'object' || value === null) return scalarFits(value);
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!fits(item, depth + 1, budget)) return false;
    return true;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) {
    if (!Object.hasOwn(object, key) || !keyFits(key) || !fits(object[key], depth + 1, budget)) return false;
  }
  return true;
}

function copyObject(source: Record<string, unknown>, depth: number, budget: Budget): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in source) {
    if (budget.left <= 0) break;
    if (!Object.hasOwn(source, key) || !keyFits(key)) continue;
    const value = copyValue(source[key], depth + 1, budget);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The part of `value`, at level `depth`, that may be kept; undefined for none. */
function copyValue(value: unknown, depth: number, budget: Budget): unknown {
  if (budget.left <= 0) return undefined;
  if (typeof value !== 'object' || value === null) {
    if (!scalarFits(value)) return undefined;
    budget.left -= 1;
    return value;
  }
  if (depth > MAX_DEPTH) return undefined;
  budget.left -= 1;
  if (!Array.isArray(value)) return copyObject(value as Record<string, unknown>, depth, budget);
  const out: unknown[] = [];
  for (const item of value) {
    if (budget.left <= 0) break;
    const copied = copyValue(item, depth + 1, budget);
    if (copied !== undefined) out.push(copied);
  }
  return out;
}
