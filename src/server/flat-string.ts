/**
 * Strings kept for a whole stream, made flat. V8 builds `a + b` (and template literals) as a tree
 * of its parts, a cons string of ~32 bytes per join, and keeps the tree as long as the result is
 * alive: an SSE answer's head and its chunk prefix are ~50 such nodes (1.6 KB) per held stream.
 * Reading a character of a cons string flattens it in place into one run of characters, and the
 * next collection drops the parts (docs/benchmark-history.md, held streams' live heap).
 *
 * @module
 */

/** Written so that the read cannot be optimised away as unused. */
let _sink = 0;

/** `text`, flattened in place (see the module's note); a no-op for a flat string. */
export function flattenString(text: string): string {
  if (text.length > 1) _sink ^= text.charCodeAt(text.length >> 1);
  return text;
}

/**
 * Flattens the head text Node keeps on a response once `writeHead` has built it. `_header` is
 * Node's own field (still there in Node 20–24); anything but a string there is left alone.
 */
export function flattenResponseHead(response: object): void {
  const head = (response as { _header?: unknown })._header;
  if (typeof head === 'string') flattenString(head);
}

