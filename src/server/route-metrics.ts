import type { BreakerStatus } from '../routing/circuit-breakers.js';
import type { Router } from '../routing/router.js';
import { escapeLabel } from '../metrics-label.js';

const stateValue = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * `switchboard_circuit_breaker_state` (0 closed, 1 half-open, 2 open) per (provider, model) this
 * instance has called or heard about, the projects on a cool-down of their own on each, and `switchboard_blocked_credentials` (refused credentials
 * skipped for a while).
 */
export function renderRouteMetrics(router: Router | undefined): string {
  if (!router) return '';
  router.syncHealth();
  const lines = [
    '# HELP switchboard_circuit_breaker_state Circuit breaker per provider and model: 0 closed, 1 half-open, 2 open.',
    '# TYPE switchboard_circuit_breaker_state gauge',
  ];
  const now = router.now();
  const breakers = router.breakers.status(now);
  for (const breaker of breakers) {
    // An open breaker whose cool-down is over lets the next call through as a probe: half-open.
    const state = breaker.state === 'open' && (breaker.openUntil?.getTime() ?? 0) <= now ? 'half_open' : breaker.state;
    lines.push(`switchboard_circuit_breaker_state{${labels(breaker)}} ${stateValue[state]}`);
  }
  lines.push(
    '# HELP switchboard_circuit_breaker_projects_open Projects skipping a provider and model on a cool-down of their own (their failures alone tripped its breaker).',
    '# TYPE switchboard_circuit_breaker_projects_open gauge',
  );
  for (const breaker of breakers) lines.push(`switchboard_circuit_breaker_projects_open{${labels(breaker)}} ${breaker.projectsOpen.length}`);
  lines.push('# HELP switchboard_blocked_credentials Credentials a vendor refused (401/403/quota), skipped by routes for a while.', '# TYPE switchboard_blocked_credentials gauge');
  lines.push(`switchboard_blocked_credentials ${router.credentials.list(now).length}`);
  return `${lines.join('\n')}\n`;
}

function labels(breaker: BreakerStatus): string {
  return `provider_id="${escapeLabel(breaker.providerId)}",model="${escapeLabel(breaker.vendorModelId)}"`;
}
