/**
 * JSON text of an answer that may hold a database value nested too deeply for `JSON.stringify`.
 *
 * @module
 */

/** Levels of nesting kept of an answer too deep to encode whole. */
export const MAX_SHOWN_DEPTH = 64;

/** What stands for the part of a value nested deeper than MAX_SHOWN_DEPTH. */
export const TOO_DEEP_MARKER = `[nested deeper than ${MAX_SHOWN_DEPTH} levels: not shown]`;

/**
 * `JSON.stringify(value)`; when that runs out of stack (a jsonb column written with SQL may nest
 * about 10,000 levels, and V8 stops a few thousand levels down), the value again with every part
 * nested deeper than MAX_SHOWN_DEPTH replaced by TOO_DEEP_MARKER. Only such an answer pays for the
 * copy. Other errors (a BigInt) are thrown as before.
 */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return JSON.stringify(cutAt(value, 0));
  }
}

function cutAt(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const json = (value as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return cutAt(json.call(value) as unknown, depth);
  if (depth >= MAX_SHOWN_DEPTH) return TOO_DEEP_MARKER;
  if (Array.isArray(value)) return value.map((item: unknown) => cutAt(item, depth + 1));
  // No prototype: a `__proto__` key of a row's jsonb stays a key.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) copy[key] = cutAt(item, depth + 1);
  return copy;
}
