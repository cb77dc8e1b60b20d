/**
 * The upstream request's body as undici takes it. undici keeps a string or Buffer body on its
 * request object until the answer has ended, which for a stream is its whole life: a held stream
 * with a 100 KB prompt kept 100 KB (off the JS heap) for minutes. A body of LARGE_BODY_CHARS or more
 * is therefore handed over as a one-shot iterable with its content-length: undici writes the one
 * chunk, the iterable lets go of it, and the bytes are freed once the socket has sent them. Smaller
 * bodies stay strings (undici's fast path: one corked write, no async iteration).
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { SwitchboardError } from '../../errors.js';
import { RAW_MIN_BYTES, type RawJson } from './raw-json.js';

/** Bodies of this many characters or more are sent through a SentOnce. */
export const LARGE_BODY_CHARS = 64 * 1024;

/** What undici's dispatch options get: the headers and the body. */
export interface EncodedBody {
  headers: Record<string, string>;
  body: Dispatcher.DispatchOptions['body'];
}

/**
 * `body` serialized as JSON with its headers; no body: `headers` unchanged. With `raw` (the
 * client's long string literals, taken once), those strings are written as the client sent them.
 */
export function encodeBody(headers: Record<string, string>, body: unknown, raw?: RawJson): EncodedBody {
  if (body === undefined) return { headers, body: null };
  try {
    return encodeJson(headers, body, raw);
  } catch (error) {
    // JSON.parse takes nesting that JSON.stringify's recursion cannot (a tool call's arguments or a
    // tool result parsed into an object): the client's request, not the vendor, is at fault.
    if (!(error instanceof RangeError)) throw error;
    throw new SwitchboardError('invalid_request', 'The request holds JSON nested too deeply to be sent on (in a tool call\'s arguments or a tool result)', {
      cause: error,
    });
  }
}

function encodeJson(headers: Record<string, string>, body: unknown, raw: RawJson | undefined): EncodedBody {
  const literals = raw?.take();
  const spliced = literals === undefined ? undefined : splice(body, literals);
  if (spliced !== undefined) return bytesBody(headers, spliced);
  const text = JSON.stringify(body);
  if (text.length < LARGE_BODY_CHARS) return { headers: { 'content-type': 'application/json', ...headers }, body: text };
  return bytesBody(headers, Buffer.from(text, 'utf8'));
}

function bytesBody(headers: Record<string, string>, bytes: Buffer): EncodedBody {
  if (bytes.length < LARGE_BODY_CHARS) return { headers: { 'content-type': 'application/json', ...headers }, body: bytes };
  // undici documents any (async) iterable as a body (docs/api/Dispatcher.md); its types list none.
  const once = new SentOnce(bytes) as unknown as Dispatcher.DispatchOptions['body'];
  return { headers: { 'content-type': 'application/json', ...headers, 'content-length': String(bytes.length) }, body: once };
}

/** The shortest string a RAW_MIN_BYTES literal can decode to (`\uXXXX` is 6 bytes a character). */
const RAW_MIN_CHARS = Math.floor((RAW_MIN_BYTES - 2) / 6);

/**
 * `body` as JSON bytes with every string found in `literals` written as its raw literal; undefined
 * when none is in the body. Each such string is first serialized as a placeholder made of a fresh
 * random UUID (no client text can hold it: it did not exist when the body arrived), then the
 * placeholders are replaced by the literals' bytes.
 */
function splice(body: unknown, literals: ReadonlyMap<string, Buffer>): Buffer | undefined {
  const placeholder = `sb-raw-${randomUUID()}`;
  const used: Buffer[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (typeof value !== 'string' || value.length < RAW_MIN_CHARS) return value;
    const literal = literals.get(value);
    if (literal === undefined) return value;
    used.push(literal);
    return placeholder;
  });
  if (used.length === 0) return undefined;
  const parts = text.split(`"${placeholder}"`);
  if (parts.length !== used.length + 1) return undefined;
  const chunks: Buffer[] = [Buffer.from(parts[0] as string, 'utf8')];
  for (let index = 0; index < used.length; index++) chunks.push(used[index] as Buffer, Buffer.from(parts[index + 1] as string, 'utf8'));
  return Buffer.concat(chunks);
}

/** An iterable of one chunk that it gives out once and then forgets. */
export class SentOnce implements Iterable<Buffer> {
  #bytes: Buffer | undefined;

  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  *[Symbol.iterator](): Iterator<Buffer> {
    const bytes = this.#bytes;
    this.#bytes = undefined;
    if (bytes !== undefined) yield bytes;
  }
}
