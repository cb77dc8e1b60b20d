import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, get } from '../api';
import { ErrorNotice, Loading, Unavailable } from '../components/notice';
import { formatTime } from '../format';
import { navigate } from '../router';
import { useData } from '../use-data';
import type { HistoryEntry, Page, Row } from '../types';

const TABLES = ['ai_providers', 'ai_models', 'projects', 'api_keys', 'ai_provider_credentials', 'ai_routes', 'budgets'];
const ACTORS = ['admin-api', 'cli', 'sql'];

export function HistoryPage({ params }: { params: URLSearchParams }) {
  const filters = {
    table: params.get('table') ?? '',
    actor: params.get('actor') ?? '',
    row: params.get('row') ?? '',
    since: params.get('since') ?? '',
    until: params.get('until') ?? '',
  };
  const [cursor, setCursor] = useState<{ key: string; stack: (string | number)[] }>({ key: '', stack: [] });
  const key = JSON.stringify(filters);
  const stack = cursor.key === key ? cursor.stack : [];
  const before = stack[stack.length - 1];
  const history = useData(`history:${key}:${String(before)}`, () => get<Page<HistoryEntry>>('/history', { ...filters, before, limit: 50 }), stack.length === 0 ? ['config'] : []);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<ApiError | undefined>(undefined);

  const update = (changes: Record<string, string>): void => navigate('history', { ...filters, ...changes });
  const revert = async (entry: HistoryEntry): Promise<void> => {
    setActionError(undefined);
    setMessage(undefined);
    try {
      const result = await api<{ reverted: number | string; change: HistoryEntry }>('POST', `/history/${encodeURIComponent(String(entry.id))}/revert`);
      setMessage(`Change ${String(result.reverted)} reverted (new change ${String(result.change.id)}: ${result.change.op} on ${result.change.table}).`);
    } catch (error) {
      setActionError(error instanceof ApiError ? error : new ApiError(0, String(error)));
    }
    history.reload();
  };

  if (history.error?.status === 404 && history.error.message.includes('Unknown admin route')) return <Unavailable what="The configuration history" />;
  return (
    <>
      <form class="filters" aria-label="History filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="history-table">Table</label>
          <select id="history-table" value={filters.table} onChange={(event) => update({ table: (event.target as HTMLSelectElement).value })}>
            <option value="">All</option>
            {TABLES.map((table) => (
              <option key={table} value={table}>
                {table}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="history-actor">Who</label>
          <select id="history-actor" value={filters.actor} onChange={(event) => update({ actor: (event.target as HTMLSelectElement).value })}>
            <option value="">Anyone</option>
            {ACTORS.map((actor) => (
              <option key={actor} value={actor}>
                {actor}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="history-row">Row id</label>
          <FilterInput id="history-row" value={filters.row} onCommit={(value) => update({ row: value })} />
        </div>
        <TimeFilter name="since" label="Since" value={filters.since} onChange={(value) => update({ since: value })} />
        <TimeFilter name="until" label="Until" value={filters.until} onChange={(value) => update({ until: value })} />
        <small id="history-time-help" class="muted time-help">
          Since and until: an ISO time (UTC unless it names an offset) or a duration back from now: 30m, 24h, 7d, 2w.
        </small>
      </form>
      {message ? (
        <p class="notice success" role="status">
          {message}
        </p>
      ) : null}
      <ErrorNotice error={actionError} />
      <ErrorNotice error={history.error} />
      <Loading when={history.loading && !history.data} />
      <ol class="history" aria-label="Configuration changes, newest first">
        {(history.data?.data ?? []).map((entry) => (
          <li key={String(entry.id)} class="card" data-history-id={String(entry.id)} data-table={entry.table} data-actor={entry.actor}>
            <div class="card-head">
              <h2>
                #{String(entry.id)} {entry.op} {entry.table} <span class="muted">{rowLabel(entry)}</span>
              </h2>
              <button type="button" class="secondary" onClick={() => void revert(entry)} aria-label={`Revert change ${String(entry.id)}`}>
                Revert
              </button>
            </div>
            <p class="muted">
              {formatTime(entry.changed_at)} by <span class={`badge actor-${entry.actor}`}>{entry.actor}</span> ({entry.db_user})
            </p>
            <Diff before={entry.before} after={entry.after} />
          </li>
        ))}
      </ol>
      {history.data && history.data.data.length === 0 ? <p class="muted">No change matches.</p> : null}
      <div class="pager">
        <button type="button" class="secondary" disabled={stack.length === 0} onClick={() => setCursor({ key, stack: stack.slice(0, -1) })}>
          Newer
        </button>
        <button
          type="button"
          class="secondary"
          disabled={!history.data?.next_before}
          onClick={() => {
            const next = history.data?.next_before;
            if (next !== undefined && next !== null) setCursor({ key, stack: [...stack, next] });
          }}
        >
          Older
        </button>
      </div>
    </>
  );
}

/** A time bound as the API takes it: an ISO time or a duration back from now (30m, 24h, 7d, 2w). */
function TimeFilter({ name, label, value, onChange }: { name: string; label: string; value: string; onChange: (value: string) => void }) {
  return (
    <div class="field">
      <label for={`history-${name}`}>{label}</label>
      <FilterInput id={`history-${name}`} value={value} onCommit={onChange} placeholder="24h or 2026-12-01T09:00Z" aria-describedby="history-time-help" />
    </div>
  );
}

/**
 * A text filter committed on change (Enter, or leaving the field). What is typed is kept as a
 * draft: a live configuration event reloads the page's data and re-renders it, which would
 * otherwise put the committed value back into a field the user is still typing in.
 */
function FilterInput({ id, value, onCommit, ...rest }: { id: string; value: string; onCommit: (value: string) => void; placeholder?: string; 'aria-describedby'?: string }) {
  const [draft, setDraft] = useState(value);
  // The committed value changed (a link, back/forward): the field shows it.
  useEffect(() => setDraft(value), [value]);
  return (
    <input
      id={id}
      value={draft}
      autoComplete="off"
      {...rest}
      onInput={(event) => setDraft((event.target as HTMLInputElement).value)}
      onChange={(event) => onCommit((event.target as HTMLInputElement).value.trim())}
    />
  );
}

function rowLabel(entry: HistoryEntry): string {
  const row = entry.after ?? entry.before;
  const name = row?.['name'];
  return typeof name === 'string' ? name : entry.row_id;
}

function show(value: unknown): string {
  return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** Changed columns only for an update; every column for an insert or a delete. */
function Diff({ before, after }: { before: Row | null; after: Row | null }) {
  const columns = Array.from(new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])).filter(
    (column) => !(before && after) || show(before[column]) !== show(after[column]),
  );
  if (columns.length === 0) return <p class="muted">No column changed.</p>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
      <table class="diff">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((column) => (
            <tr key={column}>
              <th scope="row">{column}</th>
              <td class="wrap">
                <del>{before ? show(before[column]) : ''}</del>
              </td>
              <td class="wrap">
                <ins>{after ? show(after[column]) : ''}</ins>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
