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
      pending += `${JSON.stringify(line)}\n`;
      if (pending.length >= MAX_PENDING) flush();
      else scheduled ??= setImmediate(flush);
    },
    flush,
  };
}
