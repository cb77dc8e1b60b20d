#!/usr/bin/env node
// The CPU the routing layer adds per request, measured in-process (noise-resistant, unlike the
// end-to-end bench on a busy machine): resolving a two-target route, ordering its candidates and
// running one successful attempt through the route runner, against calling the attempt directly.
// Usage: npm run build && node bench/route-overhead.mjs [iterations]
import { ProviderRegistry } from '../dist/registry/provider-registry.js';
import { buildRouteTable } from '../dist/routing/route-table.js';
import { Router } from '../dist/routing/router.js';
import { runRoute } from '../dist/routing/route-runner.js';

const iterations = Number(process.argv[2] ?? 200_000);
const provider = { id: 'p1', name: 'openai', displayName: null, className: 'OpenAIProvider', isActive: true, isBuiltin: true, status: 'available', reason: undefined, provider: {}, requiredEnvVars: [], features: {}, pricing: {}, baseUrl: 'http://x', nativeFields: {} };
const model = (id, name) => ({ id, name, displayName: null, modelId: name, providerName: 'openai', providerId: 'p1', contextWindow: undefined, maxTokens: undefined, features: {}, pricing: {}, nativeFields: {}, isActive: true, status: 'available', reason: undefined });
const registry = new ProviderRegistry([provider], [model('m1', 'gpt-4o-mini'), model('m2', 'gpt-4o')], 1);
const target = (id, modelId, weight) => ({ id, modelId, modelName: null, weight, tier: 0, arm: null, accepts: ['connection', 'timeout', 'server_error', 'overloaded', 'rate_limited', 'auth', 'empty'] });
const row = { id: 'r1', name: 'bench-ab', projectId: null, strategy: 'weighted', stickyKey: 'user_or_header', maxAttempts: 3, deadlineMs: 60000, retriesPerTarget: 0, maxRetryWaitMs: 2000, breakerFailures: 5, breakerFailureRate: 0.5, breakerWindow: 20, breakerCooldownMs: 30000, version: 1, isActive: true, description: null, targets: [target('t1', 'm1', 50), target('t2', 'm2', 50)] };
const table = buildRouteTable([row], [], registry);
const router = new Router({ table: () => table });
const answer = { ok: true };
const attempt = () => Promise.resolve(answer);

async function measure(label, once) {
  for (let index = 0; index < 20_000; index++) await once(index);
  const before = process.cpuUsage();
  for (let index = 0; index < iterations; index++) await once(index);
  const used = process.cpuUsage(before);
  const perCall = (used.user + used.system) / iterations;
  console.log(`${label}: ${perCall.toFixed(2)} µs CPU per request`);
  return perCall;
}

const direct = await measure('direct model (resolve + attempt)', () => attempt(registry.resolve('gpt-4o-mini')));
const random = await measure('two-target route, no sticky key', () =>
  runRoute(router, router.find('bench-ab', null), { projectId: null, stickyKey: undefined, signal: undefined, attempt }),
);
const sticky = await measure('two-target route, sticky key', (index) =>
  runRoute(router, router.find('bench-ab', null), { projectId: null, stickyKey: `user-${index % 1000}`, signal: undefined, attempt }),
);
console.log(`added by the route: ${(random - direct).toFixed(2)} µs (random), ${(sticky - direct).toFixed(2)} µs (sticky)`);
