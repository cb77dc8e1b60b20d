import { get } from '../api';
import { formatTime, json } from '../format';
import { useData } from '../use-data';
import { ErrorNotice, Loading, Unavailable } from './notice';

interface PriceRow {
  id: string;
  effective_from: string;
  pricing: unknown;
  source: string;
}

interface Prices {
  current: PriceRow | null;
  history: PriceRow[];
  scheduled: PriceRow[];
}

export function PriceHistory({ model }: { model: string }) {
  const prices = useData(`prices:${model}`, () => get<Prices>(`/models/${encodeURIComponent(model)}/prices`), ['config']);
  if (prices.error?.status === 404 && prices.error.message.includes('Unknown admin route')) return <Unavailable what="Price history" />;
  return (
    <>
      <Loading when={prices.loading && !prices.data} />
      <ErrorNotice error={prices.error} />
      {prices.data ? (
        <>
          <h3>Current</h3>
          {prices.data.current ? <PriceTable rows={[prices.data.current]} /> : <p class="muted">No price: calls are recorded unpriced.</p>}
          <h3>Scheduled</h3>
          {prices.data.scheduled.length > 0 ? <PriceTable rows={prices.data.scheduled} /> : <p class="muted">No scheduled change.</p>}
          <h3>History</h3>
          {prices.data.history.length > 0 ? <PriceTable rows={prices.data.history} /> : <p class="muted">No earlier price.</p>}
        </>
      ) : null}
    </>
  );
}

function PriceTable({ rows }: { rows: PriceRow[] }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
      <table>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">Pricing</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <td>{formatTime(row.effective_from)}</td>
              <td>
                <pre>{json(row.pricing)}</pre>
              </td>
              <td>{row.source}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
