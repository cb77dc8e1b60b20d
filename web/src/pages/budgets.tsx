import { useMemo } from 'preact/hooks';
import { get } from '../api';
import { budgetRunOut, describeRunOut, type RunOutVerdict } from '../burn-down';
import { BurnDownChart } from '../components/burn-down-chart';
import { ErrorNotice, Loading, Section, Unavailable } from '../components/notice';
import { RateLimitTable } from '../components/rate-limit-table';
import { formatPercent, formatTime, formatUsd } from '../format';
import { href } from '../router';
import { useData } from '../use-data';
import type { BudgetRow, RateLimitRow, RouteRow, Series } from '../types';

const DAY_MS = 86_400_000;

function verdictOf(budget: BudgetRow, now: Date): RunOutVerdict {
  return budgetRunOut(
    {
      limitUsd: budget.limit_usd === null ? null : Number(budget.limit_usd),
      spentUsd: Number(budget.spent_usd),
      reservedUsd: Number(budget.reserved_usd),
      periodStart: budget.period_start ? new Date(budget.period_start) : null,
      periodEnd: budget.period_end ? new Date(budget.period_end) : null,
    },
    now,
  );
}

function scopeOf(budget: { project: string; api_key_id: string | null; model_name: string | null }): string {
  return [`project ${budget.project}`, budget.api_key_id ? `key ${budget.api_key_id.slice(0, 8)}…` : '', budget.model_name ? `model ${budget.model_name}` : '']
    .filter(Boolean)
    .join(', ');
}

const rateText = (verdict: RunOutVerdict): string =>
  (verdict.kind === 'runs-out' || verdict.kind === 'will-not-run-out' || verdict.kind === 'exhausted') && verdict.ratePerDay !== null ? `${formatUsd(verdict.ratePerDay)}/day` : '—';

/**
 * Budgets with spent, reserved and remaining in the current period, whether each refuses models
 * with no price, and when each runs out at the current rate (web/src/burn-down.ts); the burn-down chart of the budget chosen in the URL
 * (`#/budgets?budget=…`, default the first) from the usage rollups; and the rate limits.
 */
export function BudgetsPage({ params }: { params: URLSearchParams }) {
  const budgets = useData('budgets', () => get<BudgetRow[]>('/budgets'), ['config', 'usage']);
  const limits = useData('rate-limits', () => get<RateLimitRow[]>('/rate-limits'), ['config', 'usage']);
  // A budget's model may be a route's public name; its chart then filters the rollups by route.
  const routes = useData('budget-routes', () => get<RouteRow[]>('/routes').catch(() => [] as RouteRow[]), ['config']);
  const now = useMemo(() => new Date(), [budgets.data]);
  const list = budgets.data ?? [];
  const selected = list.find((budget) => budget.name === params.get('budget')) ?? list[0];

  if (budgets.error?.status === 404 && budgets.error.message.includes('Unknown admin route')) return <Unavailable what="Budgets" />;
  return (
    <>
      <Section title="Budgets">
        <Loading when={budgets.loading && !budgets.data} />
        <ErrorNotice error={budgets.error} />
        {budgets.data && list.length === 0 ? <p class="muted">No budget. Set one with <code>switchboard budgets set</code> or <code>PUT /admin/v1/budgets/&#123;name&#125;</code>.</p> : null}
        {list.length > 0 ? (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Budgets table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Budget</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Period (UTC)</th>
                  <th scope="col">Limit</th>
                  <th scope="col">Soft</th>
                  <th scope="col">Unpriced models</th>
                  <th scope="col">Spent</th>
                  <th scope="col">Reserved</th>
                  <th scope="col">Remaining</th>
                  <th scope="col">Rate</th>
                  <th scope="col">Run-out</th>
                </tr>
              </thead>
              <tbody>
                {list.map((budget) => {
                  const verdict = verdictOf(budget, now);
                  const remaining = budget.limit_usd === null ? null : Number(budget.limit_usd) - Number(budget.spent_usd) - Number(budget.reserved_usd);
                  return (
                    <tr key={budget.name} data-budget={budget.name} data-now={now.toISOString()}>
                      <th scope="row">
                        <a href={href('budgets', { budget: budget.name })} aria-current={budget === selected ? 'true' : undefined}>
                          {budget.name}
                        </a>
                      </th>
                      <td class="wrap">{scopeOf(budget)}</td>
                      <td>
                        {budget.period}
                        {budget.period_start ? (
                          <span class="muted">
                            {' '}
                            {budget.period_start.slice(0, 10)} → {budget.period_end?.slice(0, 10)}
                          </span>
                        ) : null}
                      </td>
                      <td>{formatUsd(budget.limit_usd)}</td>
                      <td>{budget.soft_threshold === null ? '—' : formatPercent(budget.soft_threshold)}</td>
                      <td data-field="unpriced" class={budget.unpriced === 'refuse' ? undefined : 'muted'}>
                        {budget.unpriced === 'refuse' ? 'refused' : 'allowed at $0'}
                      </td>
                      <td data-field="spent">{formatUsd(budget.spent_usd)}</td>
                      <td>{formatUsd(budget.reserved_usd)}</td>
                      <td>{remaining === null ? '—' : formatUsd(Math.max(0, remaining))}</td>
                      <td>{rateText(verdict)}</td>
                      <td data-field="run-out" class={verdict.kind === 'runs-out' || verdict.kind === 'exhausted' ? 'warn' : undefined}>
                        {describeRunOut(verdict)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
      {selected ? <BurnDown budget={selected} now={now} routeNames={routes.data?.map((route) => route.name)} /> : null}
      <Section title="Rate limits">
        <ErrorNotice error={limits.error} />
        <RateLimitTable rows={limits.data} />
      </Section>
    </>
  );
}

/** The selected budget's spend over its period, from the rollups (GET /usage/series, the budget's scope as filters). */
function BurnDown({ budget, now, routeNames }: { budget: BudgetRow; now: Date; routeNames: string[] | undefined }) {
  const start = budget.period_start ? new Date(budget.period_start) : null;
  const end = budget.period_end ? new Date(budget.period_end) : null;
  const bucket = start && end && end.getTime() - start.getTime() > 7 * DAY_MS ? 'day' : 'hour';
  const byRoute = budget.model_name !== null && (routeNames ?? []).includes(budget.model_name);
  const query = { project: budget.project, key: budget.api_key_id, [byRoute ? 'route' : 'model']: budget.model_name, since: budget.period_start, bucket, tz: 'UTC' };
  const ready = start !== null && (budget.model_name === null || routeNames !== undefined);
  const series = useData<Series | undefined>(`burn:${JSON.stringify(query)}:${String(ready)}`, () => (ready ? get<Series>('/usage/series', query) : Promise.resolve(undefined)), ['usage']);
  const verdict = verdictOf(budget, now);
  const input = useMemo(
    () => (start && end && budget.limit_usd !== null && series.data ? { points: series.data.points, limitUsd: Number(budget.limit_usd), periodStart: start, periodEnd: end, now, verdict } : undefined),
    [series.data, budget, now],
  );
  return (
    <Section title={`Burn-down of ${budget.name}`}>
      <ErrorNotice error={series.error} />
      <Loading when={series.loading && !series.data && ready} />
      <p data-testid="burn-down-verdict">
        {formatUsd(budget.spent_usd)} of {formatUsd(budget.limit_usd)} spent this {budget.period === 'fixed' ? 'window' : budget.period}
        {rateText(verdict) === '—' ? '' : `, at ${rateText(verdict)}`}: {describeRunOut(verdict)}
        {verdict.kind === 'will-not-run-out' ? ` (about ${formatUsd(verdict.projectedUsd)} by ${formatTime(budget.period_end)})` : ''}.
      </p>
      {input ? (
        <BurnDownChart
          input={input}
          label={`Spend of ${budget.name} since ${formatTime(budget.period_start)} (UTC, from the usage rollups) against its limit of ${formatUsd(budget.limit_usd)}, with the projection at the current rate.`}
        />
      ) : null}
      <p class="muted">
        The chart sums the usage rollups for the budget's scope (project, key, and the model served or the route called); the spent figure is the
        budget's own counter, which settles each call's ledger cost and may trail by a sync interval.
      </p>
    </Section>
  );
}
