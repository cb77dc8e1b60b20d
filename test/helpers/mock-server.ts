import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the mock saw it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions?x=1`. */
  url: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** The body as it came, as text. */
  text: string;
  /** Set when the client went away before the mock finished answering. */
  aborted: boolean;
}

export type MockHandler = (
  request: RecordedRequest,
  response: ServerResponse,
) => void | Promise<void>;

/** A vendor fake on 127.0.0.1 with a random port. */
export interface MockServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: RecordedRequest[];
  /** Requests being answered now, and the most ever at once (a client's concurrency). */
  load: { inFlight: number; peak: number };
  close(): Promise<void>;
}

/** Starts a loopback HTTP server that records every request and hands it to `handler`. */
export async function startMockServer(handler: MockHandler): Promise<MockServer> {
  const requests: RecordedRequest[] = [];
  const load = { inFlight: 0, peak: 0 };
  const server: Server = createServer((incoming, response) => {
    load.peak = Math.max(load.peak, ++load.inFlight);
    response.on('close', () => void load.inFlight--);
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      if (text !== '') {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = text;
        }
      }
      const recorded: RecordedRequest = {
        method: incoming.method ?? 'GET',
        url: incoming.url ?? '/',
        headers: incoming.headers,
        body,
        text,
        aborted: false,
      };
      requests.push(recorded);
      response.on('close', () => {
        if (!response.writableFinished) recorded.aborted = true;
      });
      Promise.resolve(handler(recorded, response)).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ mock_error: String(error) }));
      });
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    load,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes a JSON answer. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/**
 * Writes SSE frames as fast as the connection takes them (waiting for 'drain' when its buffer is
 * full, as a vendor's server does), then ends; stops early if the client left. `frames` may be
 * generated as they are taken: a stream larger than the memory it would take to hold it.
 */
export async function streamSse(response: ServerResponse, frames: Iterable<string>): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const frame of frames) {
    if (response.destroyed) return;
    if (!response.write(frame)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          response.off('drain', done);
          response.off('close', done);
          resolve();
        };
        response.on('drain', done);
        response.on('close', done);
      });
    }
  }
  if (!response.destroyed) response.end();
}

/** Writes SSE frames one `write()` at a time, then ends; stops early if the client left. */
export async function sendSse(
  response: ServerResponse,
  frames: string[],
  options: { delayMs?: number; headers?: Record<string, string> } = {},
): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...options.headers });
  for (const frame of frames) {
    if (response.destroyed) return;
    response.write(frame);
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  response.end();
}
