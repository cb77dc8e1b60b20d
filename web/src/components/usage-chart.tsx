import uPlot from 'uplot';
import { useUplot } from './use-uplot';
import type { SeriesPoint } from '../types';

/**
 * Requests and spend per bucket. The time axis is drawn in the chosen IANA zone (uPlot.tzDate), the
 * same zone the server bucketed days in, so a day never shifts by the browser's offset.
 */
export function UsageChart({ points, tz, bucket }: { points: SeriesPoint[]; tz: string; bucket: 'hour' | 'day' }) {
  const host = useUplot(
    260,
    () => ({
      data: [
        points.map((point) => Date.parse(point.t) / 1000),
        points.map((point) => point.requests),
        points.map((point) => point.errors),
        points.map((point) => Number(point.cost_usd)),
      ],
      options: {
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, usd: { auto: true } },
        axes: [
          { stroke: '#3b4252' },
          { label: 'requests', stroke: '#3b4252' },
          { label: 'USD', scale: 'usd', side: 1, stroke: '#3b4252', grid: { show: false } },
        ],
        series: [
          { label: bucket === 'day' ? 'Day' : 'Hour' },
          { label: 'Requests', stroke: '#1f4e79', width: 2, fill: 'rgba(31,78,121,0.12)' },
          { label: 'Errors', stroke: '#b3261e', width: 2 },
          { label: 'Spend (USD)', stroke: '#1b7f3a', width: 2, scale: 'usd', value: (_u, value) => (value === null ? '—' : `$${value.toFixed(4)}`) },
        ],
      },
    }),
    [points, tz, bucket],
  );
  return <div ref={host} class="chart" role="img" aria-label={`Requests, errors and spend per ${bucket} (${tz}); the same numbers are in the table.`} />;
}
