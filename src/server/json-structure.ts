/**
 * A guard on the shape of a JSON body, run on the raw bytes before `JSON.parse`: one pass, no
 * allocation, that refuses nesting deeper than a limit, more elements than a limit, and (a second
 * pass, only for bodies with many keys) more distinct object shapes' keys than a limit. `JSON.parse`
 * of 24 MB of `[[[[…` or of `[[],[],…` costs seconds of event loop and gigabytes of memory; this pass
 * stops at the first byte over a limit. It does not validate JSON (`JSON.parse` does that after);
 * it only counts brackets and commas outside strings. Strings are skipped with `indexOf`, so a
 * 20 MB inline image costs about a millisecond.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';

export interface JsonStructureLimits {
  /** Deepest nesting of objects and arrays. */
  maxJsonDepth: number;
  /** Most elements: objects, arrays and list items (counted as `{`, `[` and `,`). */
  maxJsonElements: number;
  /**
   * Most distinct object shapes' keys (DEFAULT_MAX_JSON_KEYS when absent): a key counts once per
   * distinct sequence of keys before it in its object, which is what V8's JSON.parse builds a
   * hidden class for. Objects written alike (every message's `role`, `content`) count once; 190,000
   * distinct keys (2.7 MB, under the element limit) cost JSON.parse 1.5 s, and 1,900 objects of the
   * same 100 keys in shuffled orders (1.5 MB) 0.6 s, where a 20 MB prompt costs 0.3 s.
   */
  maxJsonKeys?: number;
}

/** Distinct object shapes' keys a body may hold when its limits do not say. */
export const DEFAULT_MAX_JSON_KEYS = 20_000;

/** The bytes of JSON's structure (raw-literals.ts walks the same way). */
export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COMMA = 0x2c;
const COLON = 0x3a;

/** The offset of the closing quote of the string opening at `start`, or -1 when it never closes. */
export function stringEnd(bytes: Buffer, start: number): number {
  let end = start;
  for (;;) {
    end = bytes.indexOf(QUOTE, end + 1);
    if (end === -1) return -1;
    // The quote is escaped when an odd run of backslashes precedes it.
    let back = end - 1;
    while (bytes[back] === BACKSLASH) back--;
    if ((end - back) % 2 === 1) return end;
  }
}

/**
 * Where `bytes` first goes over a limit: `{offset, kind}` of the byte that did, or undefined when
 * the body stays within all three. The hot path: a tight loop with no allocation. Keys are counted
 * here (a colon outside a string follows one); only a body with more keys in all than the limit of
 * distinct ones (many messages written alike, or an attack) takes the second pass, keyShapeExcess.
 */
export function findStructureExcess(bytes: Buffer, limits: JsonStructureLimits): { offset: number; kind: 'depth' | 'elements' | 'keys' } | undefined {
  const maxDepth = limits.maxJsonDepth;
  const maxElements = limits.maxJsonElements;
  const length = bytes.length;
  let depth = 0;
  let elements = 0;
  let keys = 0;
  for (let index = 0; index < length; index++) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      index = stringEnd(bytes, index);
      if (index === -1) return undefined;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > maxDepth) return { offset: index, kind: 'depth' };
      if (++elements > maxElements) return { offset: index, kind: 'elements' };
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    } else if (byte === COMMA) {
      if (++elements > maxElements) return { offset: index, kind: 'elements' };
    } else if (byte === COLON) {
      keys++;
    }
  }
  const maxKeys = limits.maxJsonKeys ?? DEFAULT_MAX_JSON_KEYS;
  return keys > maxKeys ? keyShapeExcess(bytes, maxDepth, maxKeys) : undefined;
}

/**
 * Where `bytes` first holds more than `maxKeys` distinct keys, a key counted once per distinct
 * sequence of keys before it in its object (what V8's JSON.parse builds a hidden class for): each
 * open object's shape so far is a hash of its keys in order (a collision only lets one more
 * through). Run on a body whose depth is within `maxDepth` (findStructureExcess checked it).
 */
function keyShapeExcess(bytes: Buffer, maxDepth: number, maxKeys: number): { offset: number; kind: 'keys' } | undefined {
  const length = bytes.length;
  const shapes = new Int32Array(maxDepth + 2);
  const seen = new Set<number>();
  let depth = 0;
  // The last string's bounds: a key when a colon follows it.
  let stringStart = -1;
  let stringClose = -1;
  for (let index = 0; index < length; index++) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      stringStart = index;
      index = stringEnd(bytes, index);
      if (index === -1) return undefined;
      stringClose = index;
    } else if (byte === COLON) {
      if (stringStart === -1) continue;
      let hash = shapes[depth] as number;
      for (let at = stringStart + 1; at < stringClose; at++) hash = Math.imul(hash ^ (bytes[at] as number), 0x01000193);
      hash = Math.imul(hash ^ QUOTE, 0x01000193);
      shapes[depth] = hash;
      stringStart = -1;
      if (!seen.has(hash)) {
        seen.add(hash);
        if (seen.size > maxKeys) return { offset: index, kind: 'keys' };
      }
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      shapes[++depth] = 0x811c9dc5;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
  return undefined;
}

/** Throws 400 `invalid_request` naming the limit and the field when `bytes` goes over a limit. */
export function checkJsonStructure(bytes: Buffer, limits: JsonStructureLimits): void {
  const excess = findStructureExcess(bytes, limits);
  if (excess === undefined) return;
  if (excess.kind === 'depth') {
    const field = jsonPathAt(bytes, excess.offset, 4);
    throw new SwitchboardError(
      'invalid_request',
      `${field || 'Request body'} nests deeper than the limit of ${limits.maxJsonDepth} levels of objects and arrays (SWITCHBOARD_MAX_JSON_DEPTH).`,
      { param: field || null },
    );
  }
  if (excess.kind === 'keys') {
    const field = jsonPathAt(bytes, excess.offset, 4);
    throw new SwitchboardError(
      'invalid_request',
      `Request body holds more than the limit of ${limits.maxJsonKeys ?? DEFAULT_MAX_JSON_KEYS} distinct object keys (counted per shape of the objects holding them; SWITCHBOARD_MAX_JSON_KEYS)${field ? `; the limit was reached in ${field}` : ''}.`,
      { param: field || null },
    );
  }
  const field = jsonPathAt(bytes, excess.offset, 1);
  throw new SwitchboardError(
    'invalid_request',
    `Request body holds more than the limit of ${limits.maxJsonElements} JSON elements (objects, arrays and list items; SWITCHBOARD_MAX_JSON_ELEMENTS)${field ? `; the limit was reached in ${field}` : ''}.`,
    { param: field || null },
  );
}

interface Frame {
  array: boolean;
  key: string;
  index: number;
}

const MAX_KEY_CHARS = 40;

/**
 * The field path (`tools[0].function.parameters`) of the container that holds `offset`, cut to its
 * first `maxSegments` segments. Only for error messages: it walks the bytes again and allocates.
 */
export function jsonPathAt(bytes: Buffer, offset: number, maxSegments: number): string {
  const stack: Frame[] = [];
  let expectKey = false;
  for (let index = 0; index < offset; index++) {
    const byte = bytes[index];
    const top = stack[stack.length - 1];
    if (byte === QUOTE) {
      const end = stringEnd(bytes, index);
      if (end === -1) break;
      if (top && !top.array && expectKey) {
        top.key = keyText(bytes, index, end);
        expectKey = false;
      }
      index = end;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      stack.push({ array: byte === OPEN_ARRAY, key: '', index: 0 });
      expectKey = byte === OPEN_OBJECT;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      stack.pop();
      expectKey = false;
    } else if (byte === COMMA && top) {
      if (top.array) top.index++;
      else expectKey = true;
    }
  }
  let path = '';
  const segments = Math.min(stack.length, maxSegments);
  for (let level = 0; level < segments; level++) {
    const frame = stack[level] as Frame;
    if (frame.array) path += `[${frame.index}]`;
    else path += path === '' ? frame.key : `.${frame.key}`;
  }
  return path;
}

/** A key's text, decoded and cut to a few characters (keys are client input: never echo much). */
function keyText(bytes: Buffer, start: number, end: number): string {
  if (end - start > MAX_KEY_CHARS * 6) return `${bytes.toString('utf8', start + 1, start + 1 + MAX_KEY_CHARS)}…`;
  let text: string;
  try {
    text = JSON.parse(bytes.toString('utf8', start, end + 1)) as string;
  } catch {
    text = bytes.toString('utf8', start + 1, end);
  }
  return text.length > MAX_KEY_CHARS ? `${text.slice(0, MAX_KEY_CHARS)}…` : text;
}
