import { formatNumber } from '../format';
import type { RateLimitRow } from '../types';

/** Rate limits (RPM/TPM per project, key, model) with the current minute's use. */
export function RateLimitTable({ rows }: { rows: RateLimitRow[] | undefined }) {
  if (!rows) return null;
  if (rows.length === 0) return <p class="muted">No rate limit. Set one with <code>switchboard limits set</code>.</p>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Rate limits table">
      <table>
        <thead>
          <tr>
            <th scope="col">Limit</th>
            <th scope="col">Project</th>
            <th scope="col">Key</th>
            <th scope="col">Model</th>
            <th scope="col">Metric</th>
            <th scope="col">Per minute</th>
            <th scope="col">Used this minute</th>
            <th scope="col">Reserved</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.name}:${row.metric}`} data-limit={row.name}>
              <th scope="row">{row.name}</th>
              <td>{row.project}</td>
              <td>{row.api_key_id ? `${row.api_key_id.slice(0, 8)}…` : 'any'}</td>
              <td>{row.model_name ?? 'any'}</td>
              <td>{row.metric === 'requests' ? 'RPM (requests)' : 'TPM (tokens)'}</td>
              <td>{formatNumber(row.per_minute)}</td>
              <td>{formatNumber(row.used)}</td>
              <td>{formatNumber(row.reserved)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
