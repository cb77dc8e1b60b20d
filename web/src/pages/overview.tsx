import { useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorNotice, Loading, Section, Unavailable } from '../components/notice';
import { formatMs, formatNumber, formatTime, formatUsd } from '../format';
import { useData } from '../use-data';
import type { Instance, Series, Status } from '../types';

const WINDOWS = [
  { id: '1h', label: 'Last hour', hours: 1 },
  { id: '24h', label: 'Last 24 hours', hours: 24 },
  { id: '7d', label: 'Last 7 days', hours: 24 * 7 },
  { id: '30d', label: 'Last 30 days', hours: 24 * 30 },
] as const;

export function OverviewPage(_props: { params: URLSearchParams }) {
  const [windowId, setWindowId] = useState<string>('24h');
  const window = WINDOWS.find((candidate) => candidate.id === windowId) ?? WINDOWS[1];
  const status = useData('status', () => get<Status>('/status'), ['config']);
  const instances = useData('instances', () => get<{ data: Instance[]; current_version: number | string }>('/instances'), ['instances', 'config']);
  const series = useData(
    `series:${window.id}`,
    () => {
      const since = new Date(Date.now() - window.hours * 3_600_000);
      since.setMinutes(0, 0, 0);
      return get<Series>('/usage/series', { bucket: 'hour', since: since.toISOString() });
    },
    ['usage'],
  );
  const points = series.data?.points ?? [];
  const totals = points.reduce(
    (sum, point) => ({
      requests: sum.requests + point.requests,
      errors: sum.errors + point.errors,
      cost: sum.cost + Number(point.cost_usd),
      p95: Math.max(sum.p95, point.p95_ms ?? 0),
    }),
    { requests: 0, errors: 0, cost: 0, p95: 0 },
  );
  return (
    <>
      <div class="toolbar">
        <label for="overview-window">Window</label>
        <select id="overview-window" value={window.id} onChange={(event) => setWindowId((event.target as HTMLSelectElement).value)}>
          {WINDOWS.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.label}
            </option>
          ))}
        </select>
      </div>
      {series.error?.status === 404 ? <Unavailable what="Usage charts" /> : <ErrorNotice error={series.error} />}
      <ul class="stats" aria-label="Totals for the window">
        <li>
          <span class="stat-label">Requests</span>
          <span class="stat-value" data-stat="requests">{formatNumber(totals.requests)}</span>
        </li>
        <li>
          <span class="stat-label">Errors</span>
          <span class="stat-value" data-stat="errors">
            {formatNumber(totals.errors)}
            {totals.requests > 0 ? ` (${((100 * totals.errors) / totals.requests).toFixed(1)} %)` : ''}
          </span>
        </li>
        <li>
          <span class="stat-label">Spend</span>
          <span class="stat-value" data-stat="spend">{formatUsd(totals.cost)}</span>
        </li>
        <li>
          <span class="stat-label">p95 latency (worst hour)</span>
          <span class="stat-value" data-stat="p95">{totals.requests > 0 ? formatMs(totals.p95) : '—'}</span>
        </li>
      </ul>
      <Section title="Configuration">
        <Loading when={status.loading && !status.data} />
        {status.error?.status === 404 ? <Unavailable what="The status route" /> : <ErrorNotice error={status.error} />}
        {status.data ? (
          <>
            <dl class="facts">
              <dt>Config version</dt>
              <dd data-testid="config-version">{String(status.data.config_version)}</dd>
              <dt>This instance</dt>
              <dd>{status.data.instance_id}</dd>
              <dt>Loaded</dt>
              <dd>
                {status.data.loaded.providers} providers, {status.data.loaded.models} models, {status.data.loaded.keys} keys
              </dd>
            </dl>
            {status.data.load_errors.length > 0 ? (
              <>
                <h3>Rows that failed to load</h3>
                <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
                  <table>
                    <thead>
                      <tr><th scope="col">Table</th><th scope="col">Name</th><th scope="col">Reason</th></tr>
                    </thead>
                    <tbody>
                      {status.data.load_errors.map((row) => (
                        <tr key={`${row.table}:${row.row_id}`}>
                          <td>{row.table}</td>
                          <td>{row.name}</td>
                          <td>{row.reason}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            ) : (
              <p class="muted">Every row loaded.</p>
            )}
          </>
        ) : null}
      </Section>
      <Section title="Instances">
        {instances.error?.status === 404 ? <Unavailable what="The instances list" /> : <ErrorNotice error={instances.error} />}
        {instances.data ? (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Instance</th>
                  <th scope="col">Host / pid</th>
                  <th scope="col">Version</th>
                  <th scope="col">Applied</th>
                  <th scope="col">Apply lag</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {instances.data.data.map((instance) => (
                  <tr key={instance.id} class={instance.alive ? '' : 'dead'}>
                    <td>{instance.id}</td>
                    <td>
                      {instance.hostname} / {instance.pid}
                    </td>
                    <td>
                      {String(instance.config_version)}
                      {String(instance.config_version) === String(instances.data?.current_version) ? ' (current)' : ' (behind)'}
                    </td>
                    <td>{formatTime(instance.applied_at)}</td>
                    <td>{formatMs(instance.apply_lag_ms)}</td>
                    <td>
                      {formatTime(instance.last_seen)} {instance.alive ? '' : '(not alive)'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
    </>
  );
}
