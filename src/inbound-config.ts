/**
 * The gateway's inbound limits: body structure, per-key and per-connection concurrency, socket timeouts, connection
 * cap, the lingering close after early errors and the cut of clients that stop reading. Parsed
 * from the environment by `loadConfig` (the only reader of `process.env`), which passes its
 * integer reader in.
 *
 * @module
 */
import { SwitchboardError } from './errors.js';

export interface InboundConfig {
  /** Largest accepted `/v1/embeddings` body, bytes (no images there); capped by `bodyLimitBytes`. */
  embeddingsBodyLimitBytes: number;
  /** Deepest nesting of objects and arrays a JSON body may have (checked before parsing). */
  maxJsonDepth: number;
  /** Most JSON elements (objects, arrays and list items) a body may hold (checked before parsing). */
  maxJsonElements: number;
  /** Most distinct object keys a JSON body may hold (checked before parsing). */
  maxJsonKeys: number;
  /** Most `messages` in one chat request. */
  maxMessages: number;
  /** Most `tools` in one chat request. */
  maxTools: number;
  /** Most content parts in one message's `content` array. */
  maxContentParts: number;
  /** Most requests one API key may have in flight on this instance (chat and embeddings); 0 = no limit. */
  maxConcurrentPerKey: number;
  /** Most requests one connection may have in progress (HTTP/1.1 pipelining); later ones wait their turn. */
  maxConcurrentPerConnection: number;
  /** Time allowed to receive a whole request (head and body), ms; answers (streams) are not bounded by it. */
  requestTimeoutMs: number;
  /** Time allowed to receive a request's head, ms. */
  headersTimeoutMs: number;
  /** Most open client connections; further ones are closed at once. 0 = no cap. */
  maxConnections: number;
  /** After an error answered before the body was read: how long the rest of the body is read and discarded, ms. */
  lingerMs: number;
  /** …and how many bytes of it at most. */
  lingerBytes: number;
  /** Most bytes of unfinished request bodies held in memory at once on this instance; 0 = no limit. */
  maxBufferedBodyBytes: number;
  /** …and per API key; 0 = no limit. */
  maxBufferedBodyBytesPerKey: number;
  /** How long a client may read nothing while an answer (a stream or a long body) waits for it, ms; then the connection is cut. */
  clientStallMs: number;
}

const MiB = 1024 * 1024;

/** Reads one integer setting: (env name, default, min, max). */
export type IntegerSetting = (name: string, fallback: number, min: number, max: number) => number;

/** The inbound limits from the environment, through `loadConfig`'s integer reader. */
export function loadInboundConfig(integer: IntegerSetting): InboundConfig {
  const requestTimeoutMs = integer('SWITCHBOARD_REQUEST_TIMEOUT_MS', 60_000, 1000, 3_600_000);
  const headersTimeoutMs = integer('SWITCHBOARD_HEADERS_TIMEOUT_MS', 15_000, 1000, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new SwitchboardError(
      'invalid_request',
      `SWITCHBOARD_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not be larger than SWITCHBOARD_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  }
  return {
    embeddingsBodyLimitBytes: integer('SWITCHBOARD_EMBEDDINGS_BODY_LIMIT_BYTES', 4 * MiB, 1024, 1024 * MiB),
    maxJsonDepth: integer('SWITCHBOARD_MAX_JSON_DEPTH', 64, 8, 10_000),
    maxJsonElements: integer('SWITCHBOARD_MAX_JSON_ELEMENTS', 200_000, 100, 100_000_000),
    maxJsonKeys: integer('SWITCHBOARD_MAX_JSON_KEYS', 20_000, 100, 100_000_000),
    maxMessages: integer('SWITCHBOARD_MAX_MESSAGES', 10_000, 1, 10_000_000),
    maxTools: integer('SWITCHBOARD_MAX_TOOLS', 512, 1, 1_000_000),
    maxContentParts: integer('SWITCHBOARD_MAX_CONTENT_PARTS', 1000, 1, 10_000_000),
    maxConcurrentPerKey: integer('SWITCHBOARD_MAX_CONCURRENT_PER_KEY', 0, 0, 1_000_000),
    maxConcurrentPerConnection: integer('SWITCHBOARD_MAX_CONCURRENT_PER_CONNECTION', 8, 1, 10_000),
    requestTimeoutMs,
    headersTimeoutMs,
    maxConnections: integer('SWITCHBOARD_MAX_CONNECTIONS', 10_000, 0, 10_000_000),
    lingerMs: integer('SWITCHBOARD_LINGER_MS', 2000, 0, 60_000),
    lingerBytes: integer('SWITCHBOARD_LINGER_BYTES', 64 * MiB, 0, 1024 * MiB),
    maxBufferedBodyBytes: integer('SWITCHBOARD_MAX_BUFFERED_BODY_BYTES', 1024 * MiB, 0, 64 * 1024 * MiB),
    maxBufferedBodyBytesPerKey: integer('SWITCHBOARD_MAX_BUFFERED_BODY_BYTES_PER_KEY', 256 * MiB, 0, 64 * 1024 * MiB),
    clientStallMs: integer('SWITCHBOARD_CLIENT_STALL_MS', 60_000, 1000, 3_600_000),
  };
}

/** Every inbound limit at its default. */
export const INBOUND_DEFAULTS: Readonly<InboundConfig> = Object.freeze(loadInboundConfig((_name, fallback) => fallback));
