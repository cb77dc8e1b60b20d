/**
 * Finds a request body's long string literals for RawJson (providers/shared/raw-json.ts). After
 * `JSON.parse` succeeded, one pass over the bytes notes where each string literal of at least
 * RAW_MIN_BYTES lies and its path (`messages[1].content`); the parsed value at that path is the
 * literal's decoded text, so the map from that text to the literal's bytes is exact. A body with a
 * duplicate key or a `__proto__` key gets no map (a path could then name another value), and a
 * literal that is not valid UTF-8 is left out (decoding read its bad bytes as U+FFFD).
 *
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { RAW_MIN_BYTES, RawJson } from '../providers/shared/raw-json.js';
import { CLOSE_ARRAY, CLOSE_OBJECT, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE, stringEnd } from './json-structure.js';

/** Keys longer than this (bytes) make the body too odd to bother: no map. */
const MAX_KEY_BYTES = 256;

const COLON = 0x3a;

interface Frame {
  array: boolean;
  index: number;
  key: string;
  keys: Set<string> | undefined;
}

interface Literal {
  path: Array<string | number>;
  start: number;
  end: number;
}

/** The raw literals of `bytes`, which JSON.parse read as `parsed`; undefined when there are none (or the body is odd). */
export function rawJsonOf(bytes: Buffer, parsed: unknown): RawJson | undefined {
  if (bytes.length < RAW_MIN_BYTES) return undefined;
  const literals = longLiterals(bytes);
  if (literals === undefined || literals.length === 0) return undefined;
  const map = new Map<string, Buffer>();
  for (const literal of literals) {
    const value = valueAt(parsed, literal.path);
    const text = bytes.subarray(literal.start, literal.end);
    // Invalid UTF-8 was read as U+FFFD: the literal's bytes would not say the same.
    if (typeof value === 'string' && isUtf8(text)) map.set(value, text);
  }
  return map.size === 0 ? undefined : new RawJson(map);
}

/** Long string values and their paths, in one pass over valid JSON; undefined for a body to leave alone. */
function longLiterals(bytes: Buffer): Literal[] | undefined {
  const stack: Frame[] = [];
  const literals: Literal[] = [];
  let expectKey = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    const top = stack[stack.length - 1];
    if (byte === QUOTE) {
      const end = stringEnd(bytes, index);
      if (end === -1) return undefined;
      if (top !== undefined && !top.array && expectKey) {
        if (end - index > MAX_KEY_BYTES) return undefined;
        const key = keyText(bytes, index, end);
        if (key === '__proto__' || top.keys?.has(key)) return undefined;
        (top.keys ??= new Set()).add(key);
        top.key = key;
        expectKey = false;
      } else if (end + 1 - index >= RAW_MIN_BYTES) {
        literals.push({ path: stack.map((frame) => (frame.array ? frame.index : frame.key)), start: index, end: end + 1 });
      }
      index = end;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      stack.push({ array: byte === OPEN_ARRAY, index: 0, key: '', keys: undefined });
      expectKey = byte === OPEN_OBJECT;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      stack.pop();
      expectKey = false;
    } else if (byte === COMMA && top !== undefined) {
      if (top.array) top.index++;
      else expectKey = true;
    } else if (byte === COLON) {
      expectKey = false;
    }
  }
  return literals;
}

/** A key's decoded text (escapes included). */
function keyText(bytes: Buffer, start: number, end: number): string {
  const raw = bytes.toString('utf8', start, end + 1);
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(value) || segment >= value.length) return undefined;
      value = value[segment];
    } else {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
      value = (value as Record<string, unknown>)[segment];
    }
  }
  return value;
}
