import type { AdminService } from '../../service/admin/admin-service.js';

type Handler = (admin: AdminService, params: string[], body: () => Promise<unknown>, query: URLSearchParams) => Promise<unknown>;

/** `?project=<name>` addresses a project's own route; without it, the global route of that name. */
const project = (query: URLSearchParams): string | undefined => query.get('project') ?? undefined;

/** The /admin/v1/routes endpoints (registered by admin-router.ts). */
export const routeAdminRoutes: { method: string; path: string; handler: Handler; status?: number }[] = [
  { method: 'GET', path: 'routes', handler: (admin) => admin.routes.list() },
  { method: 'POST', path: 'routes', handler: async (admin, _p, body) => admin.routes.create(await body()), status: 201 },
  { method: 'GET', path: 'routing/status', handler: (admin) => Promise.resolve(admin.routes.status()) },
  { method: 'GET', path: 'routes/:name', handler: (admin, [name], _b, query) => admin.routes.get(name as string, project(query)) },
  { method: 'PATCH', path: 'routes/:name', handler: async (admin, [name], body, query) => admin.routes.update(name as string, await body(), project(query)) },
  { method: 'DELETE', path: 'routes/:name', handler: (admin, [name], _b, query) => admin.routes.remove(name as string, project(query)) },
  { method: 'PUT', path: 'routes/:name/targets', handler: async (admin, [name], body, query) => admin.routes.setTargets(name as string, await body(), project(query)) },
  { method: 'POST', path: 'routes/:name/explain', handler: async (admin, [name], body, query) => admin.routes.explain(name as string, await body(), project(query)) },
  { method: 'GET', path: 'routes/:name/comparison', handler: (admin, [name], _b, query) => admin.routes.compare(name as string, query) },
];
