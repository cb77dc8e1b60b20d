import { defaultUpstreamLimits, eventTooLarge } from './upstream-limits.js';

/** One server-sent event. */
export interface SseEvent {
  /** The `event:` field, or undefined for unnamed events. */
  event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

/** Whose stream it is (for the error) and how long a line or event may be. */
export interface SseOptions {
  provider: string;
  /** Longest line, and longest event data, in characters (default 1 MiB). */
  maxEventBytes?: number;
}

const LF = 10;

/**
 * Decodes a `text/event-stream` body into events, chunk by chunk (nothing is buffered beyond the
 * current line and event). Accepts `\n`, `\r\n` and `\r` line ends (Gemini frames with CRLF).
 * Comment lines (`: …`) and `id:`/`retry:` fields are ignored. Events without data are skipped.
 * A line or an event longer than `maxEventBytes` throws a provider_error.
 *
 * Linear in the body: each chunk is searched once, from where the previous line ended; the start
 * of a line that spans chunks is kept as is and joined only once its end arrives. Per-event cost
 * matters too (a stream has one event per token): lines are found with native `indexOf` rather
 * than a character loop, and a one-line `data` needs no array.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array | string>, options?: SseOptions): AsyncGenerator<SseEvent> {
  const provider = options?.provider ?? 'upstream';
  const max = options?.maxEventBytes ?? defaultUpstreamLimits.maxEventBytes;
  const decoder = new TextDecoder();
  /** The start of the current line, from earlier chunks. */
  let partial = '';
  /** The last chunk ended with '\r': a '\n' opening the next one belongs to it. */
  let afterCr = false;
  let event: string | undefined;
  let data = '';
  let dataLines = 0;

  // Applies one complete line; true when it ended an event with data (to be yielded).
  const takeLine = (line: string): boolean => {
    if (line === '') return dataLines > 0;
    if (line.length > max) throw eventTooLarge(provider, max);
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field === 'data') {
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (dataLines > 0 && data.length + value.length >= max) throw eventTooLarge(provider, max);
      data = dataLines === 0 ? value : `${data}\n${value}`;
      dataLines += 1;
    } else if (field === 'event') {
      const value = colon === -1 ? '' : line.slice(colon + 1);
      event = value.charCodeAt(0) === 32 ? value.slice(1) : value;
    }
    return false;
  };

  for await (const chunk of body) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (text.length === 0) continue;
    let start = afterCr && text.charCodeAt(0) === LF ? 1 : 0;
    afterCr = false;
    // Next '\n' and '\r' at or after `start` (-1: none left in this chunk), found again only once passed.
    let lf = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    for (;;) {
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      const newline = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      if (newline === -1) break;
      let line = text.slice(start, newline);
      if (partial !== '') {
        line = partial + line;
        partial = '';
      }
      if (newline === cr) {
        if (newline + 1 === text.length) afterCr = true;
        start = lf === newline + 1 ? newline + 2 : newline + 1;
      } else {
        start = newline + 1;
      }
      if (takeLine(line)) {
        yield { event, data };
        event = undefined;
        data = '';
        dataLines = 0;
      } else if (line === '') {
        event = undefined;
      }
    }
    if (start < text.length) {
      partial = partial === '' && start === 0 ? text : partial + text.slice(start);
      if (partial.length > max) throw eventTooLarge(provider, max);
    }
  }
  const rest = partial + decoder.decode();
  if (rest.length > 0 && rest.startsWith('data:')) takeLine(rest);
  if (dataLines > 0) yield { event, data };
}
