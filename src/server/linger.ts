/**
 * Lingering close (nginx's `lingering_close`) for answers sent before the request body was read:
 * a 413, a 401, a 404 on an unknown route, a 415. Closing a socket while the client's body is still
 * arriving makes the kernel reset the connection, and a client still writing then gets EPIPE or
 * ECONNRESET and loses the answer that was sent. So such an answer says `connection: close`; when
 * Node then closes the connection, the writing side is ended (the answer and a FIN go out) and the
 * rest of the body is read and thrown away, for at most `lingerMs` and `lingerBytes`, before the
 * socket is destroyed. It closes at once when the body is complete, when the client ends its side,
 * or when the client sends nothing for a short while. Nothing read is kept.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

export interface LingerBounds {
  /** Longest time the body is drained after the answer, ms. */
  lingerMs: number;
  /** Most bytes drained after the answer. */
  lingerBytes: number;
}

/** A client that sends nothing for this long has stopped: close without waiting for the bound. */
const IDLE_MS = 500;

/** True while the request still has body bytes to come (the answer would go out before they are read). */
export function bodyPending(request: IncomingMessage): boolean {
  if (request.complete) return false;
  const headers = request.headers;
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

/**
 * Arms the lingering close on the request's socket. Call it before ending an answer that carries
 * `connection: close` while `bodyPending(request)`: Node closes such a connection with
 * `socket.destroySoon()` once the answer is written, and that is where the drain takes over.
 * The body is set flowing (to no listener but a byte counter) right away, so Node does not "dump"
 * the request, which would hide its bytes from the counter.
 */
export function lingerOnClose(request: IncomingMessage, bounds: LingerBounds): void {
  const socket = request.socket;
  if (socket.destroyed) return;
  let received = 0;
  let draining = false;
  let done = false;
  let deadline: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;
  const close = (): void => {
    if (done) return;
    done = true;
    clearTimeout(deadline);
    clearTimeout(idle);
    request.off('data', onData);
    // Destroys once the answer is flushed.
    Socket.prototype.destroySoon.call(socket);
  };
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (!draining) return;
    if (received > bounds.lingerBytes) close();
    else idle?.refresh();
  };
  request.on('data', onData);
  request.resume();
  socket.destroySoon = (): void => {
    draining = true;
    socket.end();
    deadline = setTimeout(close, bounds.lingerMs);
    idle = setTimeout(close, Math.min(IDLE_MS, bounds.lingerMs));
    socket.once('close', close);
    socket.once('end', close);
    request.once('end', close);
    if (request.complete || socket.destroyed || received > bounds.lingerBytes) close();
  };
}
