/**
 * The request log's writer: JSON lines gathered and written once per turn of the event loop (or
 * when 64 KB are waiting), instead of one synchronous write per request (stdout to a file or a
 * pipe is synchronous in Node on Linux). Lines keep their order; `flush` writes what waits now,
 * and process exit flushes too, so nothing is lost on a normal stop.
 *
 * @module
 */

/** Bytes (approximately, in UTF-16 units) gathered before a write happens at once. */
const MAX_PENDING = 64 * 1024;

/**
 * In a JSON line: an escaped backslash (kept, so `\\u001b` typed by a client stays as it is), the
 * escape of a C0 control other than tab and newline, or a raw DEL, C1 control, line or paragraph
 * separator or bidirectional control (override, embedding, isolate, or the marks ALM, LRM, RLM),
 * which JSON leaves as they are. Both kinds only ever sit inside a string value.
 */
const TERMINAL_CONTROLS = /\\(?:\\|u00[01][0-9a-f]|[bfr])|[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** A quick first look (one character class, no allocation): most lines hold none of these. */
const MAYBE_CONTROLS = /[\\\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const C0_ESCAPES: Readonly<Record<string, string>> = { '\\b': '0008', '\\f': '000c', '\\r': '000d' };

/**
 * `json` with every terminal control written as visible `\uXXXX` text (the JSON `\\uXXXX`): the
 * client's prompt, the vendor's answer or an error message can then neither act on the terminal
 * that shows the line, nor come back as raw bytes from `jq -r`, nor reorder the line.
 */
export function visibleControls(json: string): string {
  if (!MAYBE_CONTROLS.test(json)) return json;
  return json.replace(TERMINAL_CONTROLS, (match) => {
    if (match === '\\\\') return match;
    if (match.length === 1) return `\\\\u${match.charCodeAt(0).toString(16).padStart(4, '0')}`;
    return `\\\\u${C0_ESCAPES[match] ?? match.slice(2)}`;
  });
}

export interface LogLines {
  /** Queues one record as a JSON line. */
  write(line: Record<string, unknown>): void;
  /** Writes the queued lines now. */
  flush(): void;
}

export function batchedLogLines(stream: NodeJS.WritableStream): LogLines {
  let pending = '';
  let scheduled: NodeJS.Immediate | undefined;
  const flush = (): void => {
    if (scheduled !== undefined) {
      clearImmediate(scheduled);
      scheduled = undefined;
    }
    if (pending === '') return;
    const text = pending;
    pending = '';
    stream.write(text);
  };
  process.once('exit', flush);
  return {
    write(line) {
      pending += `${visibleControls(JSON.stringify(line))}\n`;
      if (pending.length >= MAX_PENDING) flush();
      else scheduled ??= setImmediate(flush);
    },
    flush,
  };
}
