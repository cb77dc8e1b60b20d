/**
 * The dashboard's admin routes (registered by admin-router.ts): history and revert, instances,
 * status, usage series and request pages, model prices, and the live event stream.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchboardError } from '../../errors.js';
import type { AdminService } from '../../service/admin/admin-service.js';
import type { AdminEvent } from '../../service/dashboard/admin-events.js';
import type { DashboardService } from '../../service/dashboard/dashboard-service.js';
import type { CsvAnswer } from '../../service/dashboard/usage-dashboard.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { sendBody, writeSseHead } from '../send.js';
import type { Handler } from './admin-router.js';

/** Heartbeat comment interval on an event stream. */
export const EVENTS_HEARTBEAT_MS = 15_000;
/** An event stream whose client stopped reading this much is dropped. */
const MAX_BUFFERED_BYTES = 1 << 20;

function dashboard(admin: AdminService): DashboardService {
  if (!admin.dashboard) throw new SwitchboardError('not_found', 'The dashboard routes are not enabled on this server.');
  return admin.dashboard;
}

export const dashboardRoutes: { method: string; path: string; handler: Handler; status?: number }[] = [
  { method: 'GET', path: 'history', handler: (admin, _p, _b, query) => dashboard(admin).history(query) },
  { method: 'POST', path: 'history/:id/revert', handler: (admin, [id]) => dashboard(admin).revert(id as string) },
  { method: 'GET', path: 'instances', handler: (admin) => dashboard(admin).instances() },
  { method: 'GET', path: 'status', handler: (admin) => Promise.resolve(dashboard(admin).status()) },
  { method: 'GET', path: 'usage/series', handler: (admin, _p, _b, query) => dashboard(admin).usageSeries(query) },
  { method: 'GET', path: 'usage/requests', handler: (admin, _p, _b, query) => dashboard(admin).usageRequests(query) },
  { method: 'GET', path: 'models/:name/prices', handler: (admin, [name]) => dashboard(admin).modelPrices(name as string) },
  // Answered by adminEvents (a stream, not JSON); listed so the router knows the path.
  { method: 'GET', path: 'events', handler: () => Promise.resolve(undefined) },
];

export function sendCsv(gateway: GatewayContext, exchange: Exchange, response: ServerResponse, answer: CsvAnswer): void {
  sendBody(gateway, exchange, response, 200, answer.body, 'text/csv; charset=utf-8', ['content-disposition', `attachment; filename="${answer.filename}"`]);
}

/**
 * `GET /admin/v1/events`: server-sent events (`config`, `usage`, `instances`) and a comment every
 * 15 s. Resolves when the stream ends: the client left, the server is closing, or the client
 * stopped reading. 429 when the stream limit is reached.
 */
export async function adminEvents(
  gateway: GatewayContext,
  exchange: Exchange,
  request: IncomingMessage,
  response: ServerResponse,
  admin: AdminService,
  query: URLSearchParams,
): Promise<void> {
  const hub = dashboard(admin).events;
  for (const [name] of query) throw new SwitchboardError('invalid_request', `Unknown parameter '${name.slice(0, 64)}' (the event stream takes none)`, { param: name.slice(0, 64) });
  if (exchange.method === 'HEAD') {
    writeSseHead(gateway, exchange, response, 'no-store');
    response.end();
    return;
  }
  const queue: AdminEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = hub.subscribe((event) => {
    queue.push(event);
    wake?.();
  });
  if (!unsubscribe) {
    throw new SwitchboardError('rate_limited', `Too many event streams (${hub.maxStreams}) are open on this instance; close one and retry.`, { status: 429 });
  }
  let ended = false;
  const end = (): void => {
    ended = true;
    wake?.();
  };
  request.once('close', end);
  response.once('close', end);
  const heartbeat = setInterval(() => {
    if (queue.length === 0) write(': heartbeat\n\n');
  }, EVENTS_HEARTBEAT_MS);
  // Graceful shutdown waits for requests in flight: a stream notices within a second and ends.
  const closingCheck = setInterval(() => {
    if (gateway.closing) end();
  }, 1000);
  const write = (text: string): void => {
    if (response.writableEnded || response.destroyed) return end();
    response.write(text);
    if (response.writableLength > MAX_BUFFERED_BYTES) {
      response.destroy();
      end();
    }
  };
  try {
    writeSseHead(gateway, exchange, response, 'no-store');
    write('retry: 2000\n: connected\n\n');
    while (!ended) {
      const event = queue.shift();
      if (event) {
        write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    clearInterval(heartbeat);
    clearInterval(closingCheck);
    request.off('close', end);
    response.off('close', end);
    if (!response.writableEnded && !response.destroyed) response.end();
  }
}
