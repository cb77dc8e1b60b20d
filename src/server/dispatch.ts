/**
 * The gateway's routes: a switch on path and method (no framework) that hands a request to its
 * handler; a wrong method is 405 with `allow`, an unknown route 404, an HTTP/1.1 request without
 * Host 400.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchboardError } from '../errors.js';
import type { Exchange } from './exchange.js';
import type { GatewayResponse, GatewayState } from './gateway-state.js';
import { chatCompletions } from './routes/chat-completions.js';
import { embeddings } from './routes/embeddings.js';
import { COUNT_TOKENS_PATH, MESSAGES_PATH, messagesRoute } from './routes/messages.js';
import { listModels, retrieveModel } from './routes/models.js';
import { healthz, metrics, readyz } from './routes/operations.js';
import { responses } from './routes/responses.js';
import { originForm } from './request-target.js';
import { sendError } from './send.js';
import { ADMIN_PREFIX, adminRoute } from './admin/admin-router.js';
import { dashboardRoute, isDashboardPath } from './dashboard/dashboard-route.js';

const MODEL_PATH = '/v1/models/';

/**
 * Routes a request to its handler and hands back the handler's own promise (or nothing for a
 * synchronous answer): an async function here would wrap every answer in one more promise.
 * Throws synchronously for an unknown route; handleRequest catches both alike.
 */
export function dispatch(state: GatewayState, exchange: Exchange, request: IncomingMessage, response: GatewayResponse): Promise<void> | void {
  let url = request.url ?? '/';
  // RFC 9112 §3.2.2: absolute-form (`POST http://host/v1/…`, as proxies send it) routes on its path.
  if (url.charCodeAt(0) !== SLASH) url = originForm(url);
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const method = exchange.method;
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused (Node's own check is off: its 400 has no body).
  if (request.headers.host === undefined && request.httpVersionMajor === 1 && request.httpVersionMinor === 1) {
    throw new SwitchboardError('invalid_request', 'Missing Host header (required in HTTP/1.1).');
  }
  switch (path) {
    case '/v1/chat/completions':
      exchange.route = path;
      if (method !== 'POST') return methodNotAllowed(state, exchange, response, 'POST');
      return chatCompletions(state, exchange, request, response);
    case '/v1/responses':
      exchange.route = path;
      if (method !== 'POST') return methodNotAllowed(state, exchange, response, 'POST');
      return responses(state, exchange, request, response);
    case MESSAGES_PATH:
    case COUNT_TOKENS_PATH:
      return messagesRoute(state, exchange, request, response, path);
    case '/v1/embeddings':
      exchange.route = path;
      if (method !== 'POST') return methodNotAllowed(state, exchange, response, 'POST');
      return embeddings(state, exchange, request, response);
    case '/v1/models':
      exchange.route = path;
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
      return listModels(state, exchange, request, response);
    case '/healthz':
      exchange.route = path;
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
      return healthz(state, exchange, response);
    case '/readyz':
      exchange.route = path;
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
      return readyz(state, exchange, response);
    case '/metrics':
      exchange.route = path;
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
      return metrics(state, exchange, request, response);
    default:
      if (isDashboardPath(path)) return dashboardRoute(state, state.dashboard, exchange, request, response, path);
      if (path.startsWith(ADMIN_PREFIX)) {
        return adminRoute(state, state.admin, exchange, request, response, path, query === -1 ? '' : url.slice(query + 1));
      }
      // Other Messages API paths (batches, …) answer 404 in Anthropic's shape.
      if (path.startsWith(`${MESSAGES_PATH}/`)) return messagesRoute(state, exchange, request, response, path);
      if (path.startsWith(MODEL_PATH) && path.length > MODEL_PATH.length) {
        exchange.route = '/v1/models/{model}';
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(state, exchange, response, READ);
        return retrieveModel(state, exchange, request, response, path.slice(MODEL_PATH.length));
      }
      throw new SwitchboardError('not_found', `Unknown route: ${method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`);
  }
}

const SLASH = 47;
/** The `allow` of a read route: HEAD is answered as GET, without the body (Node drops it). */
const READ = 'GET, HEAD';

function methodNotAllowed(state: GatewayState, exchange: Exchange, response: ServerResponse, allowed: string): void {
  const error = new SwitchboardError('invalid_request', `Method ${exchange.method} is not allowed on ${exchange.route}; use ${allowed}.`, {
    status: 405,
  });
  sendError(state, exchange, response, error, ['allow', allowed]);
}
