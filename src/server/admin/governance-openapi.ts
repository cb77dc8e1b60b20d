/**
 * The admin API's governance paths (budgets, rate limits, model access) for the OpenAPI document.
 *
 * @module
 */
import { z } from 'zod';
import { accessSetSchema, budgetSetSchema, rateLimitSetSchema } from '../../governance/governance-schemas.js';

const schema = (value: z.ZodType): unknown => z.toJSONSchema(value, { unrepresentable: 'any', io: 'input' });
const json = (value: unknown) => ({ required: true, content: { 'application/json': { schema: value } } });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const errors = {
  '400': { description: 'Invalid body (the message names the field)' },
  '401': { description: 'Missing or invalid admin token' },
  '404': { description: 'Not found (project, key or name)' },
};
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };

export const governanceOpenApiPaths = {
  '/admin/v1/budgets': {
    get: {
      summary: 'Every budget with its current period: limit, spent, reserved (in flight) and leased (held by instances), USD strings',
      responses: { '200': ok('Budgets'), ...errors },
    },
  },
  '/admin/v1/budgets/{name}': {
    parameters: [name],
    put: { summary: 'Create or replace a budget', requestBody: json(schema(budgetSetSchema)), responses: { '200': ok('The budget and its period'), ...errors } },
    delete: { summary: 'Remove a budget', responses: { '200': ok('Deleted'), ...errors } },
  },
  '/admin/v1/rate-limits': {
    get: { summary: 'Every rate limit with its current minute: used, reserved, leased', responses: { '200': ok('Rate limits'), ...errors } },
  },
  '/admin/v1/rate-limits/{name}': {
    parameters: [name],
    put: { summary: 'Create or replace a rate limit', requestBody: json(schema(rateLimitSetSchema)), responses: { '200': ok('The limit'), ...errors } },
    delete: { summary: 'Remove a rate limit', responses: { '200': ok('Deleted'), ...errors } },
  },
  '/admin/v1/model-access': {
    get: { summary: 'Allow-lists of projects and keys (null = every model), and key labels', responses: { '200': ok('Allow-lists'), ...errors } },
    put: {
      summary: "Set a project's allow-list, or one key's (and its label)",
      requestBody: json(schema(accessSetSchema)),
      responses: { '200': ok('The allow-lists of that project'), ...errors },
    },
  },
} as const;
