import { createRequire } from 'node:module';
import type * as Undici from 'undici';

/**
 * The parts of undici the gateway uses, loaded from their own files. undici's index loads
 * everything it offers at once (fetch, WebSocket, EventSource, caches, cookies, mocks,
 * interceptors): 5.2 MB of live heap and ~21 MB of RSS in a fresh process, against 1.8 MB and
 * ~12 MB for the dispatcher, the request API and the errors used here. V8 lets the old space grow to
 * a multiple of the live heap before it collects, so each live megabyte costs up to four of peak
 * RSS under load. undici has no `exports` map, so these paths are public to `require`; the
 * classes are undici's own (the index requires the same files), and `test/undici-parts.test.ts`
 * checks that the server never loads the index.
 */
const load = createRequire(import.meta.url);

export const Agent: typeof Undici.Agent = load('undici/lib/dispatcher/agent.js');
export const Client: typeof Undici.Client = load('undici/lib/dispatcher/client.js');
export const Dispatcher: typeof Undici.Dispatcher = load('undici/lib/dispatcher/dispatcher.js');
export const DecoratorHandler: typeof Undici.DecoratorHandler = load('undici/lib/handler/decorator-handler.js');
export const errors: typeof Undici.errors = load('undici/lib/core/errors.js');

const apiRequest = load('undici/lib/api/api-request.js') as (
  this: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData>;
/** undici's connector (one per origin, so TLS sessions are shared by the origin's connections). */
export const buildConnector: typeof Undici.buildConnector = load('undici/lib/core/connect.js');
const parseURL = (load('undici/lib/core/util.js') as { parseURL(url: string): URL }).parseURL;

/**
 * `dispatcher.request(options)`: undici's index adds its request API to every dispatcher's
 * prototype; without the index it is called on the dispatcher here.
 */
export function dispatchRequest(dispatcher: Undici.Dispatcher, options: Undici.Dispatcher.RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, options);
}

/**
 * `url` as undici's top-level `request(url)` takes it: its own parser, which throws undici's
 * InvalidArgumentError for what it refuses (a protocol other than http and https).
 */
export function parseUpstreamUrl(url: string): { origin: string; path: string } {
  const parsed = parseURL(url);
  return { origin: parsed.origin, path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname };
}

/**
 * undici's top-level `request(url, options)` on its global dispatcher, for the CLI's calls to a
 * running gateway. It loads undici's index on first use, which the server never makes.
 */
export async function requestUrl(url: string, options: Parameters<typeof Undici.request>[1]): Promise<Undici.Dispatcher.ResponseData<unknown>> {
  const { request } = await import('undici');
  return request(url, options);
}
