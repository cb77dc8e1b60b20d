// Every dashboard admin route is in the OpenAPI document with its method, and the document is
// served without a token (it holds no data).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminOpenApiDocument } from '../../src/server/admin/admin-openapi.js';
import { dashboardRoutes } from '../../src/server/admin/dashboard-routes.js';

test('each dashboard route is documented with its method', () => {
  const paths = adminOpenApiDocument.paths as Record<string, Record<string, unknown>>;
  for (const route of dashboardRoutes) {
    const documented = `/admin/v1/${route.path.replace(/:([a-z]+)/g, '{$1}')}`;
    const item = paths[documented];
    assert.ok(item, `${documented} is missing from the OpenAPI document`);
    assert.ok(item[route.method.toLowerCase()], `${route.method} ${documented} is missing from the OpenAPI document`);
  }
  assert.ok(dashboardRoutes.length >= 8);
});
