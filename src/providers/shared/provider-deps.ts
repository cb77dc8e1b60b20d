import { Agent, type Dispatcher } from 'undici';

/** IO a provider needs, injected so tests and the server control it. */
export interface ProviderDeps {
  /** The keep-alive connection pools (one pool per origin inside an undici Agent). */
  dispatcher: Dispatcher;
  /** Clock, for `created` timestamps. */
  now: () => number;
  /** Random ids for vendors that send none. */
  randomId: () => string;
}

/** A keep-alive Agent sized for a gateway: pools per origin, reused across registry reloads. */
export function createUpstreamAgent(options: { connectTimeoutMs?: number } = {}): Agent {
  return new Agent({
    connect: { timeout: options.connectTimeoutMs ?? 10_000 },
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    connections: 256,
    pipelining: 1,
  });
}

/** Default deps: a fresh Agent, the wall clock and crypto-random ids. */
export function defaultProviderDeps(): ProviderDeps {
  return {
    dispatcher: createUpstreamAgent(),
    now: () => Date.now(),
    randomId: () => globalThis.crypto.randomUUID().replaceAll('-', ''),
  };
}
