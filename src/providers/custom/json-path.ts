/** A compiled dot path: `choices.0.text` → `['choices', 0, 'text']` (numbers index arrays). */
export type JsonPath = readonly (string | number)[];

/** Matches `a.b.0.c`: non-empty segments without whitespace, separated by single dots. */
export const jsonPathPattern = /^[^.\s]+(\.[^.\s]+)*$/;

/** Compiles a path already checked against `jsonPathPattern`. */
export function compileJsonPath(path: string): JsonPath {
  return path.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/**
 * The value at `path`, or undefined when any step is missing. A numeric segment indexes an array,
 * and is an ordinary key on an object (`{"0": …}`).
 */
export function getJsonPath(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current)) {
      if (typeof segment !== 'number') return undefined;
      current = current[segment];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[String(segment)];
    } else {
      return undefined;
    }
  }
  return current;
}
