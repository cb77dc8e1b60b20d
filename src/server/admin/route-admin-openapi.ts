import { z } from 'zod';
import { explainSchema, routeCreateSchema, routeUpdateSchema, targetsSchema } from '../../service/admin/route-schemas.js';

const schema = (value: z.ZodType): unknown => z.toJSONSchema(value, { unrepresentable: 'any' });
const json = (value: unknown) => ({ required: true, content: { 'application/json': { schema: value } } });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const errors = {
  '400': { description: 'Invalid body (the message names the field)' },
  '401': { description: 'Missing or invalid admin token' },
  '404': { description: 'Not found' },
  '409': { description: 'Conflict (a route of that name exists in that scope)' },
};
const routeName = { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'Route name (percent-encode a /)' };
const project = { name: 'project', in: 'query', schema: { type: 'string' }, description: "A project's own route (default: the global route of that name)" };
const time = 'ISO-8601 time or a duration back from now: 30m, 24h, 7d, 2w';

/** The OpenAPI paths of the route endpoints (merged into the admin document). */
export const routeAdminPaths = {
  '/admin/v1/routes': {
    get: { summary: 'List routes with their targets', responses: { '200': ok('Routes') } },
    post: { summary: 'Create a route (with its targets, in one transaction)', requestBody: json(schema(routeCreateSchema)), responses: { '201': ok('Created'), ...errors } },
  },
  '/admin/v1/routes/{name}': {
    parameters: [routeName, project],
    get: { summary: 'Read a route', responses: { '200': ok('Route'), ...errors } },
    patch: { summary: 'Update a route (and, with targets, replace them) in one transaction', requestBody: json(schema(routeUpdateSchema)), responses: { '200': ok('Updated'), ...errors } },
    delete: { summary: 'Delete a route and its targets', responses: { '200': ok('Deleted'), ...errors } },
  },
  '/admin/v1/routes/{name}/targets': {
    parameters: [routeName, project],
    put: { summary: "Replace a route's targets (weights, tiers, arms) in one transaction", requestBody: json(schema(targetsSchema)), responses: { '200': ok('Updated'), ...errors } },
  },
  '/admin/v1/routes/{name}/explain': {
    parameters: [routeName, project],
    post: {
      summary: 'Which target a request would get now and why (tiers, shares, health, sticky hash); calls no upstream',
      requestBody: json(schema(explainSchema)),
      responses: { '200': ok('Explanation'), ...errors },
    },
  },
  '/admin/v1/routes/{name}/comparison': {
    parameters: [
      routeName,
      { ...project, description: 'Only this project’s requests' },
      { name: 'since', in: 'query', schema: { type: 'string' }, description: time },
      { name: 'until', in: 'query', schema: { type: 'string' }, description: time },
    ],
    get: {
      summary: 'Per-arm comparison from the rollups: by arm assigned and by arm served, with a sample-ratio check against the weights',
      responses: { '200': ok('Comparison'), ...errors },
    },
  },
  '/admin/v1/routing/status': {
    get: { summary: "This instance's circuit breakers, blocked credentials and served routes", responses: { '200': ok('Status') } },
  },
} as const;
