/**
 * The OpenAPI 3.1 document of the admin API, with request bodies generated from the same zod
 * schemas that validate them.
 *
 * @module
 */
import { z } from 'zod';
import { apiKeyCreateSchema, modelCreateSchema, modelUpdateSchema, projectCreateSchema, providerCreateSchema, providerUpdateSchema } from '../../service/admin/admin-schemas.js';
import { credentialPayloadSchema } from '../../credentials/credential-payload.js';
import { USAGE_GROUPS } from '../../usage/reports/usage-query.js';
import { routeAdminPaths } from './route-admin-openapi.js';
import { dashboardOpenApiPaths } from './dashboard-openapi.js';
import { governanceOpenApiPaths } from './governance-openapi.js';

const schema = (value: z.ZodType): unknown => z.toJSONSchema(value, { unrepresentable: 'any' });
const json = (value: unknown) => ({ required: true, content: { 'application/json': { schema: value } } });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const errors = {
  '400': { description: 'Invalid body (the message names the field)' },
  '401': { description: 'Missing or invalid admin token' },
  '404': { description: 'Not found' },
  '409': { description: 'Conflict (duplicate name, or rows still reference it)' },
};
const name = (parameter: string) => ({ name: parameter, in: 'path', required: true, schema: { type: 'string' } });
const filter = (parameter: string, description: string, extra: Record<string, unknown> = {}) => ({
  name: parameter,
  in: 'query',
  description,
  schema: { type: 'string', ...extra },
});
const time = 'ISO-8601 time (UTC unless it has an offset) or a duration back from now: 30m, 24h, 7d, 2w';
const usageFilters = [
  filter('project', 'Project name or id'),
  filter('key', 'API key id or its 12-character prefix'),
  filter('model', 'Model name (as served)'),
  filter('provider', 'Provider name'),
  filter('route', 'Route name'),
  filter('since', `Start (${time}); the hour containing it is counted whole`),
  filter('until', `End, exclusive (${time})`),
  filter('by', 'Group rows by', { enum: [...USAGE_GROUPS] }),
];

export const adminOpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Switchboard admin API', version: '1' },
  components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
  security: [{ adminToken: [] }],
  paths: {
    '/admin/v1/providers': {
      get: { summary: 'List providers with their load status', responses: { '200': ok('Providers') } },
      post: { summary: 'Create a provider', requestBody: json(schema(providerCreateSchema)), responses: { '201': ok('Created'), ...errors } },
    },
    '/admin/v1/providers/{name}': {
      parameters: [name('name')],
      get: { summary: 'Read a provider', responses: { '200': ok('Provider'), ...errors } },
      patch: { summary: 'Update a provider', requestBody: json(schema(providerUpdateSchema)), responses: { '200': ok('Updated'), ...errors } },
      delete: {
        summary: 'Delete a provider (409 while models use it, unless cascade=true)',
        parameters: [{ name: 'cascade', in: 'query', schema: { type: 'boolean' } }],
        responses: { '200': ok('Deleted'), ...errors },
      },
    },
    '/admin/v1/providers/{name}/activate': { parameters: [name('name')], post: { summary: 'Activate', responses: { '200': ok('Updated'), ...errors } } },
    '/admin/v1/providers/{name}/deactivate': { parameters: [name('name')], post: { summary: 'Deactivate', responses: { '200': ok('Updated'), ...errors } } },
    '/admin/v1/models': {
      get: { summary: 'List models with their status', responses: { '200': ok('Models') } },
      post: { summary: 'Create a model', requestBody: json(schema(modelCreateSchema)), responses: { '201': ok('Created'), ...errors } },
    },
    '/admin/v1/models/{name}': {
      parameters: [name('name')],
      get: { summary: 'Read a model', responses: { '200': ok('Model'), ...errors } },
      patch: { summary: 'Update a model', requestBody: json(schema(modelUpdateSchema)), responses: { '200': ok('Updated'), ...errors } },
      delete: { summary: 'Delete a model', responses: { '200': ok('Deleted'), ...errors } },
    },
    '/admin/v1/models/{name}/activate': { parameters: [name('name')], post: { summary: 'Activate', responses: { '200': ok('Updated'), ...errors } } },
    '/admin/v1/models/{name}/deactivate': { parameters: [name('name')], post: { summary: 'Deactivate', responses: { '200': ok('Updated'), ...errors } } },
    '/admin/v1/projects': {
      get: { summary: 'List projects', responses: { '200': ok('Projects') } },
      post: { summary: 'Create a project', requestBody: json(schema(projectCreateSchema)), responses: { '201': ok('Created'), ...errors } },
    },
    '/admin/v1/projects/{name}': {
      parameters: [name('name')],
      get: { summary: 'Read a project', responses: { '200': ok('Project'), ...errors } },
      delete: { summary: 'Delete a project with its keys and credentials', responses: { '200': ok('Deleted'), ...errors } },
    },
    '/admin/v1/projects/{name}/credentials': {
      parameters: [name('name')],
      get: { summary: "List a project's credentials (last four characters only)", responses: { '200': ok('Credentials'), ...errors } },
    },
    '/admin/v1/projects/{name}/credentials/{provider}': {
      parameters: [name('name'), name('provider')],
      put: {
        summary: 'Store (encrypted) the project credential for a provider; write-only',
        requestBody: json(schema(credentialPayloadSchema)),
        responses: { '200': ok('Stored (key hint only)'), ...errors },
      },
      delete: { summary: 'Delete the project credential for a provider', responses: { '200': ok('Deleted'), ...errors } },
    },
    '/admin/v1/api-keys': {
      get: { summary: 'List gateway API keys (never the secret)', parameters: [{ name: 'project', in: 'query', schema: { type: 'string' } }], responses: { '200': ok('Keys') } },
      post: { summary: 'Create a key (shown once in the response)', requestBody: json(schema(apiKeyCreateSchema)), responses: { '201': ok('Created'), ...errors } },
    },
    '/admin/v1/api-keys/{id}': { parameters: [name('id')], delete: { summary: 'Revoke a key', responses: { '200': ok('Revoked'), ...errors } } },
    '/admin/v1/usage': {
      get: {
        summary: 'Usage report from the hourly rollups: requests, errors, tokens per bucket, web searches, exact cost (USD string), latency p50/p95',
        parameters: usageFilters,
        responses: { '200': ok('Report: by, filters, rows, total'), ...errors },
      },
    },
    '/admin/v1/usage/requests/{request_id}': {
      parameters: [name('request_id')],
      get: {
        summary: "Explain a request: its ledger rows, the price rows used and the buckets x prices arithmetic",
        responses: { '200': ok('Explanation'), ...errors },
      },
    },
    ...routeAdminPaths,
    ...dashboardOpenApiPaths,
    ...governanceOpenApiPaths,
  },
} as const;
