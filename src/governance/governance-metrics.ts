/**
 * The governor's Prometheus lines.
 *
 * @module
 */
import type { CounterMetric } from '../db/sql/governance.js';
import { escapeLabel } from '../metrics-label.js';
import { picoToUsd } from './decimal-to-pico.js';
import type { LeaseCounter } from './lease-counter.js';

/** Prometheus lines: this instance's view of each counter it holds, and refusals. */
export function governanceMetricsText(counters: readonly LeaseCounter[], refusals: ReadonlyMap<string, number>): string {
  const lines: string[] = [];
  if (counters.length > 0) {
    lines.push('# HELP switchboard_governance_limit Limit of a budget (USD) or rate limit (requests or tokens per minute) in its current period.');
    lines.push('# TYPE switchboard_governance_limit gauge');
    for (const name of ['limit', 'spent', 'reserved', 'leased'] as const) {
      if (name !== 'limit') lines.push(`# TYPE switchboard_governance_${name} gauge`);
      for (const counter of counters) {
        const value = name === 'limit' ? (counter.limit ?? 0n) : name === 'spent' ? counter.spent + counter.consumed : name === 'reserved' ? counter.reserved : counter.leased;
        lines.push(`switchboard_governance_${name}{kind="${counter.rule.kind}",name="${escapeLabel(counter.rule.name)}",metric="${unitOf(counter.metric)}"} ${format(value, counter.metric)}`);
      }
    }
  }
  lines.push('# TYPE switchboard_governance_refusals_total counter');
  for (const [code, count] of refusals) lines.push(`switchboard_governance_refusals_total{code="${code}"} ${count}`);
  return `${lines.join('\n')}\n`;
}

function unitOf(metric: CounterMetric): string {
  return metric === 'usd_pico' ? 'usd' : metric;
}

function format(value: bigint, metric: CounterMetric): string {
  if (metric !== 'usd_pico') return value.toString();
  return picoToUsd(value).replace('$', '');
}
