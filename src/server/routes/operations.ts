import type { IncomingMessage, ServerResponse } from 'node:http';
import { constantTimeEqual } from '../../crypto/api-key.js';
import { SwitchboardError } from '../../errors.js';
import { presentedKey } from '../auth.js';
import { isLocalHostHeader, isLoopbackAddress } from '../local-host.js';
import { targetAuthority } from '../request-target.js';
import { renderUsageMetrics } from '../../usage/usage-metrics.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { sendBody, sendJson } from '../send.js';
import { renderRouteMetrics } from '../route-metrics.js';

/** `GET /healthz`: the process is alive. */
export function healthz(gateway: GatewayContext, exchange: Exchange, response: ServerResponse): void {
  sendJson(gateway, exchange, response, 200, { status: 'ok' });
}

/**
 * `GET /readyz`: 200 when `ready()` says so (database reachable, registry loaded), else 503. Also
 * 503 while the served config version is 0: the database role cannot read the version row
 * (row-level security, a missing grant), so the version poll would never see a change and a revoked
 * key would keep working.
 */
export async function readyz(gateway: GatewayContext, exchange: Exchange, response: ServerResponse): Promise<void> {
  let ready = false;
  let version: number | undefined;
  try {
    ready = !gateway.closing && (await gateway.ready());
    version = gateway.snapshot().version;
  } catch {
    ready = false;
  }
  if (ready && version === 0) {
    sendJson(gateway, exchange, response, 503, { status: 'not_ready', reason: UNREADABLE_VERSION, config_version: 0 });
  } else if (ready) sendJson(gateway, exchange, response, 200, { status: 'ready', config_version: version });
  else sendJson(gateway, exchange, response, 503, { status: gateway.closing ? 'shutting_down' : 'not_ready' });
}

const UNREADABLE_VERSION =
  'the config version reads 0: this database role cannot read public.switchboard_config_version, so configuration changes are never picked up';

/**
 * `GET /metrics`: Prometheus text. It names projects, models, budgets and rate limits and what each
 * spent, so with `SWITCHBOARD_METRICS_TOKEN` set it answers only `Authorization: Bearer <token>`.
 */
export function metrics(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage, response: ServerResponse): void {
  const token = gateway.config.metricsToken;
  if (token === undefined) {
    // An absolute-form target names a host too (RFC 9112 §3.2.2): both it and the Host header must be local.
    if (isLoopbackAddress(request.socket.localAddress) && !(isLocalHostHeader(request.headers.host) && isLocalHostHeader(targetAuthority(request.url)))) {
      throw new SwitchboardError(
        'permission_denied',
        "GET /metrics without SWITCHBOARD_METRICS_TOKEN answers only a local Host (localhost, *.localhost or an IP address) on a loopback connection, so that a web page cannot read it by DNS rebinding: request it by address, or set SWITCHBOARD_METRICS_TOKEN.",
        { status: 421 },
      );
    }
  } else {
    const presented = presentedKey(request.headers);
    if (presented === undefined || !constantTimeEqual(presented, token)) {
      throw new SwitchboardError('authentication_failed', "GET /metrics needs 'Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN>'.");
    }
  }
  let version: number | undefined;
  try {
    version = gateway.snapshot().version;
  } catch {
    version = undefined;
  }
  const usage = gateway.service.usage;
  const text =
    gateway.metrics.render(version, gateway.usageCounters?.series()) +
    (usage?.writes ? renderUsageMetrics(usage.stats()) : '') +
    (gateway.service.governor?.metricsText() ?? '') +
    renderRouteMetrics(gateway.service.router);
  sendBody(gateway, exchange, response, 200, text, 'text/plain; version=0.0.4; charset=utf-8');
}
