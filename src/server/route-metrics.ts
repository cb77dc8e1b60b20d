import type { Router } from '../routing/router.js';
import { escapeLabel } from '../metrics-label.js';

const stateValue = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * `switchboard_circuit_breaker_state` (0 closed, 1 half-open, 2 open) per (provider, model) this
 * instance has seen fail or heard about, and `switchboard_blocked_credentials` (refused credentials
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
  for (const breaker of router.breakers.status()) {
    // An open breaker whose cool-down is over lets the next call through as a probe: half-open.
    const state = breaker.state === 'open' && (breaker.openUntil?.getTime() ?? 0) <= now ? 'half_open' : breaker.state;
    lines.push(`switchboard_circuit_breaker_state{provider_id="${escapeLabel(breaker.providerId)}",model="${escapeLabel(breaker.vendorModelId)}"} ${stateValue[state]}`);
  }
  lines.push('# HELP switchboard_blocked_credentials Credentials a vendor refused (401/403/quota), skipped by routes for a while.', '# TYPE switchboard_blocked_credentials gauge');
  lines.push(`switchboard_blocked_credentials ${router.credentials.list(now).length}`);
  return `${lines.join('\n')}\n`;
}
