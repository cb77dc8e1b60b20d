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
 */
export async function* parseSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: string | undefined;
  let data: string[] = [];

  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const newline = findLineEnd(buffer, start);
      if (newline === -1) break;
      const line = buffer.slice(start, newline);
      start = newline + (buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1);
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n') };
        event = undefined;
        data = [];
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer.length > 0) {
    const line = buffer;
    if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length > 0) yield { event, data: data.join('\n') };
}

/** Index of the next `\n` or `\r`, or -1. A trailing `\r` waits for the next chunk (it may be `\r\n`). */
function findLineEnd(buffer: string, from: number): number {
  for (let index = from; index < buffer.length; index++) {
    const code = buffer.charCodeAt(index);
    if (code === 10) return index;
    if (code === 13) return index + 1 < buffer.length ? index : -1;
  }
  return -1;
}
