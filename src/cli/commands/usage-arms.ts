import { defaultProviderDeps } from '../../providers/shared/provider-deps.js';
import { loadProviderClasses } from '../../registry/load-provider-classes.js';
import { loadRegistry } from '../../registry/provider-loader.js';
import type { ArmComparison, ArmFigures } from '../../routing/compare-arms.js';
import { loadRouteTable } from '../../routing/load-route-table.js';
import { Router } from '../../routing/router.js';
import { RouteAdmin } from '../../service/admin/route-admin.js';
import { line, print, printJson, type CliContext } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { directOrServer } from './server-admin.js';
import { withDb } from './with-db.js';

/** `switchboard usage --route R --by arm`: the per-arm comparison from the rollups. */
export async function runArmComparison(values: Record<string, string | undefined>, context: CliContext): Promise<number> {
  const route = values['route'] as string;
  const query = ['project', 'since', 'until'].flatMap((key) => (values[key] === undefined ? [] : [[key, values[key] as string] as [string, string]]));
  const comparison = await directOrServer(
    context,
    () => compareDirect(context, route, query),
    // Beside a running server: its admin API compares with its own route table.
    (server) => server.call<ArmComparison>('GET', `routes/${encodeURIComponent(route)}/comparison?${new URLSearchParams(query).toString()}`),
  );
  if (context.json) {
    printJson(context, comparison);
    return 0;
  }
  print(context, renderComparison(comparison));
  return 0;
}

/** The comparison read from the database itself, with a route table loaded for the weights. */
async function compareDirect(context: CliContext, route: string, query: [string, string][]): Promise<ArmComparison> {
  const classes = await loadProviderClasses(context.config.providersDir);
  const deps = defaultProviderDeps();
  try {
    return await withDb(context, async (db) => {
      const registry = await loadRegistry(db, 0, { classes, deps });
      const table = await loadRouteTable(db, registry);
      const routes = new RouteAdmin({ db, router: () => new Router({ table: () => table }), onChange: async () => {} });
      return routes.compare(route, query);
    });
  } finally {
    await deps.dispatcher.close();
  }
}

export function renderComparison(comparison: ArmComparison): string {
  const percent = (value: number | null): string => (value === null ? '' : `${(value * 100).toFixed(1)}%`);
  const number = (value: number | null, digits = 1): string => (value === null ? '' : value.toFixed(digits));
  const common = (arm: ArmFigures): Record<string, string> => ({
    'success%': percent(arm.success_rate),
    incomplete: String(arm.incomplete),
    'p50 ms': number(arm.latency_p50_ms),
    'p95 ms': number(arm.latency_p95_ms),
    'ttft p50': number(arm.ttft_p50_ms),
    'in tok/req': number(arm.input_tokens_per_request),
    'out tok/req': number(arm.output_tokens_per_request),
    'USD/req': arm.cost_per_request_usd === null ? '' : arm.cost_per_request_usd.toFixed(6),
  });
  const assigned = comparison.by_arm_assigned.map((arm) => ({
    arm: arm.arm,
    requests: String(arm.requests),
    share: percent(arm.observed_share),
    expected: percent(arm.expected_share),
    'fallback%': percent(arm.fallback_rate),
    ...common(arm),
  }));
  const served = comparison.by_arm_served.map((arm) => ({ arm: arm.arm, answered: String(arm.requests), attempts: String(arm.attempts), ...common(arm) }));
  const srm = comparison.sample_ratio;
  const check = srm
    ? `Sample ratio: chi-square ${srm.chi_square.toFixed(2)} (${srm.degrees_of_freedom} df), p = ${srm.p_value.toPrecision(3)}${srm.mismatch ? ' — MISMATCH: the split does not match the weights' : ' — the split matches the weights'}`
    : 'Sample ratio: not enough arms or requests to check';
  return [
    line`Route ${comparison.route}: by arm assigned (the first attempt's target)`,
    assigned.length > 0 ? formatTable(assigned) : '(no requests)',
    '',
    'By arm served (the target that answered)',
    served.length > 0 ? formatTable(served) : '(no requests)',
    '',
    check,
  ].join('\n');
}
