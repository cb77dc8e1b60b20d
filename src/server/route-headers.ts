import type { RoutingInfo } from '../routing/route-runner.js';

/**
 * The answer headers of a routed request: the route and its version, the arm assigned, the model
 * that served (or failed last) and the number of upstream attempts. Names are row values checked
 * by the schema (no CR/LF can reach a header).
 */
export function pushRouteHeaders(headers: string[], info: RoutingInfo): void {
  headers.push(
    'x-switchboard-route', info.route,
    'x-switchboard-route-version', String(info.version),
    'x-switchboard-arm', info.arm,
    'x-switchboard-target', headerSafe(info.target),
    'x-switchboard-attempts', String(info.attempts),
  );
}

/** A model name as a header value: as is when printable ASCII, else percent-encoded. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
