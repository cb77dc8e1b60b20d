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

import type { Dispatcher } from 'undici';

/** Bodies of this many characters or more are sent through a SentOnce. */
export const LARGE_BODY_CHARS = 64 * 1024;

/** What undici's dispatch options get: the headers and the body. */
export interface EncodedBody {
  headers: Record<string, string>;
  body: Dispatcher.DispatchOptions['body'];
}

/** `body` serialized as JSON with its headers; no body: `headers` unchanged. */
export function encodeBody(headers: Record<string, string>, body: unknown): EncodedBody {
  if (body === undefined) return { headers, body: null };
  const text = JSON.stringify(body);
  if (text.length < LARGE_BODY_CHARS) return { headers: { 'content-type': 'application/json', ...headers }, body: text };
  const bytes = Buffer.from(text, 'utf8');
  // undici documents any (async) iterable as a body (docs/api/Dispatcher.md); its types list none.
  const once = new SentOnce(bytes) as unknown as Dispatcher.DispatchOptions['body'];
  return { headers: { 'content-type': 'application/json', ...headers, 'content-length': String(bytes.length) }, body: once };
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
