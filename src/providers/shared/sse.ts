/** One server-sent event. */
export interface SseEvent {
  /** The `event:` field, or undefined for unnamed events. */
  event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

/**
 * Decodes a `text/event-stream` body into events, chunk by chunk (nothing is buffered beyond the
 * current event). Accepts `\n`, `\r\n` and `\r` line ends (Gemini frames with CRLF). Comment lines
 * (`: …`) and `id:`/`retry:` fields are ignored. Events without data are skipped.
 *
 * Per-event cost matters here (a stream has one event per token): lines are found with native
 * `indexOf` rather than a character loop, and a one-line `data` needs no array.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: string | undefined;
  let data = '';
  let dataLines = 0;

  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    // Next '\n' and '\r' at or after `start` (-1: none left in this buffer), found again only once passed.
    let lf = buffer.indexOf('\n');
    let cr = buffer.indexOf('\r');
    for (;;) {
      if (lf !== -1 && lf < start) lf = buffer.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start);
      let newline: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) newline = lf;
      else newline = cr + 1 < buffer.length ? cr : -1; // a trailing '\r' may be the first half of '\r\n'
      if (newline === -1) break;
      const line = buffer.slice(start, newline);
      start = newline + (newline === cr && lf === newline + 1 ? 2 : 1);
      if (line === '') {
        if (dataLines > 0) yield { event, data };
        event = undefined;
        data = '';
        dataLines = 0;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      if (field === 'data') {
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        data = dataLines === 0 ? value : `${data}\n${value}`;
        dataLines += 1;
      } else if (field === 'event') {
        const value = colon === -1 ? '' : line.slice(colon + 1);
        event = value.startsWith(' ') ? value.slice(1) : value;
      }
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer.length > 0) {
    const line = buffer;
    if (line.startsWith('data:')) {
      const value = line.slice(5).trimStart();
      data = dataLines === 0 ? value : `${data}\n${value}`;
      dataLines += 1;
    }
  }
  if (dataLines > 0) yield { event, data };
}
