/**
 * `/admin/`: the dashboard single-page app, from the in-memory manifest (dashboard-assets.ts).
 * Strict CSP (scripts, styles and fetches from this origin only; no inline code; never framed),
 * `nosniff`, hashed assets immutable, everything else revalidated. `/admin` redirects to `/admin/`.
 * The admin JSON API stays at /admin/v1 (admin-router.ts).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchboardError } from '../../errors.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import type { DashboardAssets } from './dashboard-assets.js';

export const DASHBOARD_PATH = '/admin/';

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = [
  'content-security-policy', DASHBOARD_CSP,
  'x-content-type-options', 'nosniff',
  'x-frame-options', 'DENY',
  'referrer-policy', 'no-referrer',
  'cross-origin-opener-policy', 'same-origin',
  'cross-origin-resource-policy', 'same-origin',
];

/** True for `/admin` and `/admin/…` outside the JSON API (`/admin/v1/…`). */
export function isDashboardPath(path: string): boolean {
  return path === '/admin' || (path.startsWith(DASHBOARD_PATH) && path !== '/admin/v1' && !path.startsWith('/admin/v1/'));
}

export function dashboardRoute(
  gateway: GatewayContext,
  assets: DashboardAssets,
  exchange: Exchange,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
): void {
  exchange.route = DASHBOARD_PATH;
  if (exchange.method !== 'GET' && exchange.method !== 'HEAD') {
    throw new SwitchboardError('invalid_request', `Method ${exchange.method} is not allowed on the dashboard; use GET.`, { status: 405 });
  }
  if (path === '/admin') {
    // Relative, so the redirect stays under whatever prefix a reverse proxy added.
    finish(gateway, exchange, response, 308, ['location', 'admin/', 'content-length', '0'], undefined);
    return;
  }
  if (assets.dir === undefined) {
    throw new SwitchboardError('not_found', 'The dashboard is not built in this installation: run `npm run build`.');
  }
  const name = path === DASHBOARD_PATH ? 'index.html' : path.slice(DASHBOARD_PATH.length);
  const asset = assets.files.get(name);
  if (!asset) throw new SwitchboardError('not_found', 'No such dashboard file.');
  const headers = [
    'content-type', asset.contentType,
    'cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'etag', asset.etag,
    ...SECURITY_HEADERS,
  ];
  if (request.headers['if-none-match'] === asset.etag) {
    finish(gateway, exchange, response, 304, headers, undefined);
    return;
  }
  headers.push('content-length', String(asset.body.length));
  finish(gateway, exchange, response, 200, headers, exchange.method === 'HEAD' ? undefined : asset.body);
}

function finish(gateway: GatewayContext, exchange: Exchange, response: ServerResponse, status: number, headers: string[], body: Buffer | undefined): void {
  headers.push('x-request-id', exchange.requestId);
  if (gateway.closing) headers.push('connection', 'close');
  exchange.status = status;
  response.writeHead(status, headers);
  response.end(body);
}
