/**
 * `serve`'s notice about an open `GET /metrics` on a reachable address: the page names every
 * project, model, budget and rate limit with what each spent (no secrets), which a gateway open to
 * its clients should not show to anyone who can reach it. On loopback it says nothing.
 *
 * @module
 */
import { isLoopbackAddress } from '../../server/local-host.js';

/** The warning for `address` (the address the gateway listens on), or undefined. */
export function metricsNotice(address: string, metricsToken: string | undefined): string | undefined {
  if (metricsToken !== undefined || isLoopbackAddress(address)) return undefined;
  return `GET /metrics answers anyone who can reach ${address} and lists every project's spend and limits: set SWITCHBOARD_METRICS_TOKEN (at least 32 characters) to require 'Authorization: Bearer <token>' for it`;
}
