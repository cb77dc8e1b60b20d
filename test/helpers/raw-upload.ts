/**
 * A raw TCP client (node `net`) that uploads a request body the way an HTTP client does and reports
 * what it read back: the status, headers and body of the answer, whether the answer was complete,
 * and how the connection ended. It can read late (`readDelayMs`, as a client busy uploading does),
 * stop writing after some bytes (a stalled client), or ignore the answer and keep pushing.
 *
 * @module
 */
import { connect } from 'node:net';

export interface UploadOptions {
  port: number;
  path: string;
  headers: Record<string, string>;
  /** Body bytes the client writes at most (the head may announce more). */
  bodyBytes: number;
  /** Frame the body as `transfer-encoding: chunked`. */
  chunked?: boolean;
  /** The body's first bytes (the rest is filler). */
  prefix?: string;
  /** Start reading the answer only after this long (the client is busy writing). */
  readDelayMs?: number;
  /** Stop writing once the answer is complete (what a well-behaved client does); default true. */
  stopOnAnswer?: boolean;
  /** Stop writing after this many body bytes but keep the socket open. */
  stallAfterBytes?: number;
  /** After stalling, write 1 KiB this often (a client that trickles). */
  trickleEveryMs?: number;
  /**
   * After stalling, write one byte this long after connecting: a server that has closed the
   * socket answers it with a reset, which is how a half-open client learns of the close.
   */
  probeAfterMs?: number;
  /** Give up (destroy the socket) after this long. */
  timeoutMs?: number;
}

export interface UploadResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The whole answer (head and content-length bytes of body) arrived. */
  complete: boolean;
  /** Body bytes the client managed to write. */
  written: number;
  /** A socket error the client saw (EPIPE, ECONNRESET), if any. */
  error: string | undefined;
  /** The server closed the connection (as opposed to the client giving up); its FIN alone does not count. */
  closedByServer: boolean;
  /** ms from connect to the server closing (or the client giving up). */
  elapsedMs: number;
}

const CHUNK = Buffer.alloc(64 * 1024, 'y');

function parseAnswer(raw: Buffer): Pick<UploadResult, 'status' | 'headers' | 'body' | 'complete'> | undefined {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const lines = raw.toString('latin1', 0, headEnd).split('\r\n');
  const status = Number(lines[0]?.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = raw.subarray(headEnd + 4);
  return { status, headers, body: body.toString('utf8', 0, Math.min(length, body.length)), complete: body.length >= length };
}

/** Uploads as described and resolves when the answer is complete, the server closes, or time is up. */
export function rawUpload(options: UploadOptions): Promise<UploadResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let written = 0;
    let error: string | undefined;
    let finished = false;
    let answered = false;
    // Half-open: the gateway's FIN (sent with the answer) does not end the client's upload.
    const socket = connect({ port: options.port, host: '127.0.0.1', allowHalfOpen: true });
    const finish = (closedByServer: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      for (const timer of timers) clearInterval(timer);
      socket.destroy();
      const answer = parseAnswer(received) ?? { status: 0, headers: {}, body: '', complete: false };
      resolve({ ...answer, written, error, closedByServer, elapsedMs: performance.now() - started });
    };
    const giveUp = setTimeout(() => finish(false), options.timeoutMs ?? 10_000);
    const timers: NodeJS.Timeout[] = [];
    const frame = (data: Buffer): Buffer[] => (options.chunked ? [Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')] : [data]);
    const limit = Math.min(options.bodyBytes, options.stallAfterBytes ?? Infinity);
    const pump = (): void => {
      while (!socket.destroyed && written < limit && !(answered && options.stopOnAnswer !== false)) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, limit - written));
        written += piece.length;
        let ok = true;
        for (const part of frame(piece)) ok = socket.write(part);
        if (!ok) return void socket.once('drain', pump);
      }
    };
    socket.on('connect', () => {
      if (options.readDelayMs) {
        socket.pause();
        setTimeout(() => socket.resume(), options.readDelayMs);
      }
      const head = [`POST ${options.path} HTTP/1.1`, 'host: 127.0.0.1'];
      for (const [name, value] of Object.entries(options.headers)) if (value !== '') head.push(`${name}: ${value}`);
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      if (options.prefix) {
        const prefix = Buffer.from(options.prefix);
        written += prefix.length;
        for (const part of frame(prefix)) socket.write(part);
      }
      pump();
      if (options.trickleEveryMs) timers.push(setInterval(() => socket.write(Buffer.concat(frame(CHUNK.subarray(0, 1024)))), options.trickleEveryMs));
      if (options.probeAfterMs) {
        const probe = (): boolean => socket.write(Buffer.concat(frame(CHUNK.subarray(0, 1))));
        timers.push(setTimeout(probe, options.probeAfterMs), setTimeout(probe, options.probeAfterMs + 100));
      }
    });
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (parseAnswer(received)?.complete) {
        answered = true;
        if (options.stopOnAnswer !== false) finish(false);
      }
    });
    socket.on('error', (cause: NodeJS.ErrnoException) => {
      error = cause.code ?? cause.message;
      finish(true);
    });
    socket.on('close', () => finish(true));
  });
}
