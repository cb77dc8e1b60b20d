import { get } from '../api';
import { ErrorNotice, Loading, Section, Unavailable } from '../components/notice';
import { useData } from '../use-data';
import type { Row } from '../types';

/**
 * A page over admin routes that land with other work (routing, budgets): it lists what the route
 * answers, or says the server does not have it yet (404).
 */
export function OptionalListPage({ path, what, columns }: { path: string; what: string; columns: readonly string[] }) {
  const rows = useData(path, () => get<Row[] | { data: Row[] }>(path), ['config', 'usage']);
  if (rows.error?.status === 404) return <Unavailable what={what} />;
  const list = Array.isArray(rows.data) ? rows.data : (rows.data?.data ?? []);
  return (
    <Section title={what}>
      <Loading when={rows.loading && !rows.data} />
      <ErrorNotice error={rows.error} />
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
        <table>
          <thead>
            <tr>
              {columns.map((column) => (
                <th scope="col" key={column}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {list.map((row, index) => (
              <tr key={String(row['id'] ?? index)}>
                {columns.map((column) => (
                  <td key={column} class="wrap">
                    {typeof row[column] === 'object' ? JSON.stringify(row[column]) : String(row[column] ?? '—')}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}
