import uPlot from 'uplot';
import type { RunOutVerdict } from '../burn-down';
import type { SeriesPoint } from '../types';
import { useUplot } from './use-uplot';

export interface BurnDownInput {
  points: SeriesPoint[];
  limitUsd: number;
  periodStart: Date;
  periodEnd: Date;
  now: Date;
  verdict: RunOutVerdict;
}

/**
 * The aligned columns of the chart: cumulative spend per bucket (from the rollups) up to now, the
 * limit across the whole period, and the projection at the current rate from now to the run-out
 * (or the period's end). Exported for its shape to stay obvious; uPlot takes seconds.
 */
export function burnDownData({ points, limitUsd, periodStart, periodEnd, now, verdict }: BurnDownInput): uPlot.AlignedData {
  const times: number[] = [];
  const spend: (number | null)[] = [];
  let total = 0;
  for (const point of points) {
    total += Number(point.cost_usd);
    times.push(Date.parse(point.t) / 1000);
    spend.push(total);
  }
  if (times.length === 0 || (times[0] as number) > periodStart.getTime() / 1000) {
    times.unshift(periodStart.getTime() / 1000);
    spend.unshift(0);
  }
  const projection: (number | null)[] = spend.map(() => null);
  const rate = verdict.kind === 'runs-out' || verdict.kind === 'will-not-run-out' ? verdict.ratePerDay / 86_400 : 0;
  const nowSeconds = Math.max(now.getTime() / 1000, (times[times.length - 1] as number) + 1);
  times.push(nowSeconds);
  spend.push(total);
  projection.push(total);
  const end = verdict.kind === 'runs-out' ? Math.min(verdict.runsOutAt.getTime(), periodEnd.getTime()) / 1000 : periodEnd.getTime() / 1000;
  if (end > nowSeconds) {
    times.push(end);
    spend.push(null);
    projection.push(rate > 0 ? total + rate * (end - nowSeconds) : null);
  }
  if (periodEnd.getTime() / 1000 > end) {
    times.push(periodEnd.getTime() / 1000);
    spend.push(null);
    projection.push(null);
  }
  return [times, spend, times.map(() => limitUsd), projection];
}

/** Spend over the current period against the limit, with the projection at the current rate. */
export function BurnDownChart({ input, label }: { input: BurnDownInput; label: string }) {
  const usd = (_u: uPlot, value: number | null): string => (value === null ? '—' : `$${value.toFixed(4)}`);
  const host = useUplot(
    240,
    () => ({
      data: burnDownData(input),
      options: {
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'UTC'),
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, input.limitUsd) * 1.05] } },
        // Three significant digits: budgets of a few cents would otherwise get repeated tick labels.
        axes: [{ stroke: '#3b4252' }, { label: 'USD', stroke: '#3b4252', values: (_u, splits) => splits.map((value) => `$${Number(value.toPrecision(3))}`) }],
        series: [
          { label: 'Time (UTC)' },
          { label: 'Spent', stroke: '#1f4e79', width: 2, fill: 'rgba(31,78,121,0.12)', value: usd },
          { label: 'Limit', stroke: '#a4261d', width: 2, dash: [6, 4], value: usd },
          { label: 'At the current rate', stroke: '#c25400', width: 2, dash: [2, 4], value: usd },
        ],
      },
    }),
    [input],
  );
  return <div ref={host} class="chart" role="img" aria-label={label} />;
}
