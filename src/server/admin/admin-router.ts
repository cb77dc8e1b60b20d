/**
 * `/admin/v1/*`: the admin REST API over the AdminService. Every route but the OpenAPI document
 * needs `Authorization: Bearer <SWITCHBOARD_ADMIN_TOKEN>` (compared in constant time). Errors use
 * the same `{"error": {...}}` shape as /v1.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constantTimeEqual } from '../../crypto/api-key.js';
import { SwitchboardError } from '../../errors.js';
import type { AdminService } from '../../service/admin/admin-service.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { clip } from '../field-checks.js';
import { readJsonBody } from '../read-body.js';
import { sendJson } from '../send.js';
import { adminOpenApiDocument } from './admin-openapi.js';
import { routeAdminRoutes } from './route-admin-routes.js';
import { CsvAnswer } from '../../service/dashboard/usage-dashboard.js';
import { adminEvents, dashboardRoutes, sendCsv } from './dashboard-routes.js';
import { decodeSegment, parseQuery, refuseNul } from './refuse-nul.js';

export const ADMIN_PREFIX = '/admin/v1/';

export type Handler = (admin: AdminService, params: string[], body: () => Promise<unknown>, query: URLSearchParams) => Promise<unknown>;

interface RouteDefinition {
  method: string;
  /** Path segments after /admin/v1/; `:x` captures one segment. */
  pattern: string[];
  status?: number;
  handler: Handler;
}

const route = (method: string, path: string, handler: Handler, status?: number): RouteDefinition => ({
  method,
  pattern: path.split('/'),
  handler,
  ...(status === undefined ? {} : { status }),
});

const routes: RouteDefinition[] = [
  route('GET', 'providers', (admin) => admin.listProviders()),
  route('POST', 'providers', async (admin, _p, body) => admin.createProvider(await body()), 201),
  route('GET', 'providers/:name', (admin, [name]) => admin.getProvider(name as string)),
  route('PATCH', 'providers/:name', async (admin, [name], body) => admin.updateProvider(name as string, await body())),
  route('POST', 'providers/:name/activate', (admin, [name]) => admin.updateProvider(name as string, { is_active: true })),
  route('POST', 'providers/:name/deactivate', (admin, [name]) => admin.updateProvider(name as string, { is_active: false })),
  route('DELETE', 'providers/:name', (admin, [name], _b, query) => admin.deleteProvider(name as string, query.get('cascade') === 'true')),
  route('GET', 'models', (admin) => admin.listModels()),
  route('POST', 'models', async (admin, _p, body) => admin.createModel(await body()), 201),
  route('GET', 'models/:name', (admin, [name]) => admin.getModel(name as string)),
  route('PATCH', 'models/:name', async (admin, [name], body) => admin.updateModel(name as string, await body())),
  route('POST', 'models/:name/activate', (admin, [name]) => admin.updateModel(name as string, { is_active: true })),
  route('POST', 'models/:name/deactivate', (admin, [name]) => admin.updateModel(name as string, { is_active: false })),
  route('DELETE', 'models/:name', (admin, [name]) => admin.deleteModel(name as string)),
  route('GET', 'projects', (admin) => admin.listProjects()),
  route('POST', 'projects', async (admin, _p, body) => admin.createProject(await body()), 201),
  route('GET', 'projects/:name', (admin, [name]) => admin.getProject(name as string)),
  route('DELETE', 'projects/:name', (admin, [name]) => admin.deleteProject(name as string)),
  route('GET', 'projects/:name/credentials', (admin, [name]) => admin.listCredentials(name as string)),
  route('PUT', 'projects/:name/credentials/:provider', async (admin, [name, provider], body) =>
    admin.setCredential(name as string, provider as string, await body()),
  ),
  route('DELETE', 'projects/:name/credentials/:provider', (admin, [name, provider]) => admin.deleteCredential(name as string, provider as string)),
  route('GET', 'api-keys', (admin, _p, _b, query) => admin.listApiKeys(query.get('project') ?? undefined)),
  route('POST', 'api-keys', async (admin, _p, body) => admin.createApiKey(await body()), 201),
  route('DELETE', 'api-keys/:id', (admin, [id]) => admin.revokeApiKey(id as string)),
  route('GET', 'usage', (admin, _p, _b, query) => admin.usageReport(query)),
  route('GET', 'usage/requests/:id', (admin, [id]) => admin.explainUsage(id as string)),
  ...routeAdminRoutes.map((definition) => route(definition.method, definition.path, definition.handler, definition.status)),
  ...dashboardRoutes.map((definition) => route(definition.method, definition.path, definition.handler, definition.status)),
  route('GET', 'budgets', (admin) => admin.governance.listBudgets()),
  route('PUT', 'budgets/:name', async (admin, [name], body) => admin.governance.setBudget(name as string, await body())),
  route('DELETE', 'budgets/:name', (admin, [name]) => admin.governance.removeBudget(name as string)),
  route('GET', 'rate-limits', (admin) => admin.governance.listRateLimits()),
  route('PUT', 'rate-limits/:name', async (admin, [name], body) => admin.governance.setRateLimit(name as string, await body())),
  route('DELETE', 'rate-limits/:name', (admin, [name]) => admin.governance.removeRateLimit(name as string)),
  route('GET', 'model-access', (admin) => admin.governance.listAccess()),
  route('PUT', 'model-access', async (admin, _p, body) => admin.governance.setAccess(await body())),
];

/** Handles one /admin/v1 request (`path` without the query string). */
export async function adminRoute(
  gateway: GatewayContext,
  admin: AdminService | undefined,
  exchange: Exchange,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  search: string,
): Promise<void> {
  // Answers carry keys, credential hints and spend: no cache may keep one (errors and CSV included).
  response.setHeader('cache-control', 'no-store');
  const raw = path.slice(ADMIN_PREFIX.length).split('/').filter((segment) => segment !== '');
  // HEAD is answered as GET: same status and headers, no body (Node drops it).
  const method = exchange.method === 'HEAD' ? 'GET' : exchange.method;
  if (raw.length === 1 && raw[0] === 'openapi.json' && method === 'GET') {
    exchange.route = '/admin/v1/openapi.json';
    sendJson(gateway, exchange, response, 200, adminOpenApiDocument);
    return;
  }
  exchange.route = '/admin/v1';
  // The token first: without it, a path's own faults (a bad %-escape, NUL) are not worth an answer.
  checkAdminToken(gateway.config.adminToken, request);
  const segments = raw.map(decodeSegment);
  if (!admin) throw new SwitchboardError('not_found', 'The admin API is not enabled on this server.');
  const allowed: string[] = [];
  for (const definition of routes) {
    const params = match(definition.pattern, segments);
    if (!params) continue;
    allowed.push(definition.method);
    if (definition.method !== method) continue;
    exchange.route = `/admin/v1/${definition.pattern.join('/')}`;
    const query = parseQuery(search);
    if (definition.pattern.join('/') === 'events') return adminEvents(gateway, exchange, request, response, admin, query);
    const result = await definition.handler(admin, params, () => readAdminBody(gateway, request), query);
    if (result instanceof CsvAnswer) return sendCsv(gateway, exchange, response, result);
    sendJson(gateway, exchange, response, definition.status ?? 200, result);
    return;
  }
  if (allowed.length > 0) {
    if (allowed.includes('GET')) allowed.push('HEAD');
    response.setHeader('allow', allowed.join(', '));
    throw new SwitchboardError('invalid_request', `Method ${exchange.method} is not allowed on ${clip(path, 200)}; use ${allowed.join(', ')}.`, { status: 405 });
  }
  throw new SwitchboardError('not_found', `Unknown admin route: ${exchange.method} ${path.slice(0, 200)}`);
}

async function readAdminBody(gateway: GatewayContext, request: IncomingMessage): Promise<unknown> {
  const body = await readJsonBody(request, gateway.config.bodyLimitBytes, gateway.config);
  refuseNul(body);
  return body;
}

function checkAdminToken(token: string | undefined, request: IncomingMessage): void {
  if (!token) throw new SwitchboardError('permission_denied', 'The admin API is disabled: set SWITCHBOARD_ADMIN_TOKEN.');
  const header = request.headers.authorization;
  // RFC 7235: the scheme is case-insensitive (as on /v1 and /metrics).
  const presented = typeof header === 'string' && header.slice(0, 7).toLowerCase() === 'bearer ' ? header.slice(7).trim() : undefined;
  if (!presented) throw new SwitchboardError('authentication_failed', 'Missing admin token: send Authorization: Bearer <SWITCHBOARD_ADMIN_TOKEN>.');
  if (!constantTimeEqual(presented, token)) throw new SwitchboardError('authentication_failed', 'Invalid admin token.');
}

function match(pattern: readonly string[], segments: readonly string[]): string[] | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: string[] = [];
  for (let index = 0; index < pattern.length; index++) {
    const expected = pattern[index] as string;
    const actual = segments[index] as string;
    if (expected.startsWith(':')) params.push(actual);
    else if (expected !== actual) return undefined;
  }
  return params;
}

