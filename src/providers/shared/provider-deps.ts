import type { Dispatcher } from 'undici';
import { UpstreamAgent, type UpstreamAgentOptions } from './upstream-agent.js';
import type { UpstreamLimits } from './upstream-limits.js';

/** IO a provider needs, injected so tests and the server control it. */
export interface ProviderDeps {
  /** The keep-alive connection pools (one pool per origin inside an undici Agent). */
  dispatcher: Dispatcher;
  /** Clock, for `created` timestamps. */
  now: () => number;
  /** Random ids for vendors that send none. */
  randomId: () => string;
  /** Caps on upstream answers; `defaultUpstreamLimits` when absent. */
  limits?: UpstreamLimits;
}

/**
 * A keep-alive Agent sized for a gateway: pools per origin, reused across registry reloads, at
 * most `maxConnections` requests in flight per origin (see UpstreamAgent).
 */
export function createUpstreamAgent(options: UpstreamAgentOptions = {}): UpstreamAgent {
  return new UpstreamAgent(options);
}

/** What defaultProviderDeps takes from the settings. */
export interface ProviderDepsOptions {
  maxConnections?: number;
  limits?: UpstreamLimits;
}

/** Default deps: a fresh Agent, the wall clock and crypto-random ids. */
export function defaultProviderDeps(options: ProviderDepsOptions = {}): ProviderDeps {
  return {
    dispatcher: createUpstreamAgent(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    now: () => Date.now(),
    randomId: () => globalThis.crypto.randomUUID().replaceAll('-', ''),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  };
}
