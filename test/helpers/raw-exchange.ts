/**
 * Raw bytes to a server on 127.0.0.1 for requests a normal client would not send: writes `data` on
 * a fresh connection and collects everything (as Latin-1) until the server closes or `waitMs`.
 *
 * @module
 */
import { connect } from 'node:net';

export function rawExchange(port: number, data: string | Buffer, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (out += chunk));
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('close', finish);
    socket.on('error', finish);
  });
}
