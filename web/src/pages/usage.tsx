import { useLayoutEffect, useState } from 'preact/hooks';
import { apiFetch, ApiError, get, queryString, type Query } from '../api';
import { Drawer } from '../components/drawer';
import { ExplainView } from '../components/explain-view';
import { ErrorNotice, Loading, Section, Unavailable } from '../components/notice';
import { UsageChart } from '../components/usage-chart';
import { dateFormat, formatMs, formatNumber, formatTime, formatUsd } from '../format';
import { navigate } from '../router';
import { useData } from '../use-data';
import type { Model, Page, Project, Provider, Series, UsageRequest } from '../types';

const WINDOWS: Record<string, number> = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30, '90d': 24 * 90 };
const FILTERS = ['project', 'key', 'model', 'provider', 'route', 'status'] as const;
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const ZONES = Array.from(new Set(['UTC', browserZone, 'America/New_York', 'America/Los_Angeles', 'Europe/London', 'Europe/Paris', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney']));

interface UsageView {
  filters: Record<string, string>;
  window: string;
  bucket: 'hour' | 'day';
  tz: string;
  /** A `tz` from the URL the browser does not know (shown in a notice; `tz` is the browser's zone then). */
  unknownZone: string | undefined;
  since: string;
}

const zoneKnown = new Map<string, boolean>();
/**
 * Whether the browser knows `tz`. The URL is anyone's link: an unknown zone made every date format
 * throw, and the page went blank until the link was edited by hand.
 */
function knownZone(tz: string): boolean {
  let known = zoneKnown.get(tz);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      known = true;
    } catch {
      known = false;
    }
    zoneKnown.set(tz, known);
  }
  return known;
}

function readView(params: URLSearchParams): UsageView {
  const window = WINDOWS[params.get('window') ?? ''] ? (params.get('window') as string) : '7d';
  const bucket = params.get('bucket') === 'hour' ? 'hour' : params.get('bucket') === 'day' ? 'day' : window === '24h' ? 'hour' : 'day';
  const asked = params.get('tz') || browserZone;
  const tz = knownZone(asked) ? asked : browserZone;
  const filters: Record<string, string> = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  // The window starts on a whole hour so repeated renders ask for the same rollup rows.
  const since = new Date(Date.now() - (WINDOWS[window] ?? 168) * 3_600_000);
  since.setMinutes(0, 0, 0);
  return { filters, window, bucket, tz, unknownZone: tz === asked ? undefined : asked, since: since.toISOString() };
}

export function UsagePage({ params }: { params: URLSearchParams }) {
  const view = readView(params);
  const query: Query = { ...view.filters, bucket: view.bucket, tz: view.tz, since: view.since };
  const key = JSON.stringify(query);
  const seriesKey = `series:${key}`;
  const series = useData(seriesKey, () => get<Series>('/usage/series', query), ['usage']);
  const [cursors, setCursors] = useState<{ key: string; stack: (string | number)[] }>({ key, stack: [] });
  const stack = cursors.key === key ? cursors.stack : [];
  const before = stack[stack.length - 1];
  const requestQuery: Query = { ...view.filters, since: view.since, limit: 50, before };
  const requestsKey = `requests:${JSON.stringify(requestQuery)}`;
  const requests = useData(requestsKey, () => get<Page<UsageRequest>>('/usage/requests', requestQuery), stack.length === 0 ? ['usage'] : []);
  const filtersText = JSON.stringify(view.filters);
  const seriesShown = !series.loading && series.loadedKey === seriesKey;
  const requestsShown = !requests.loading && requests.loadedKey === requestsKey;
  // Performance marks (DevTools, and the browser tests' timings): a view asked for, then rendered.
  // Layout effects run in the same task as the DOM commit, so no observer sees `data-loaded` before its mark.
  useLayoutEffect(() => void performance.mark('switchboard:usage-query', { detail: filtersText }), [key]);
  useLayoutEffect(() => {
    if (seriesShown && requestsShown) performance.mark('switchboard:usage-rendered', { detail: filtersText });
  }, [seriesShown, requestsShown, filtersText]);
  const [detail, setDetail] = useState<string | undefined>(undefined);
  const [exportError, setExportError] = useState<ApiError | undefined>(undefined);

  const update = (changes: Record<string, string | undefined>): void => {
    const next: Record<string, string | undefined> = { ...view.filters, window: view.window, tz: view.tz, ...(params.get('bucket') ? { bucket: view.bucket } : {}), ...changes };
    navigate('usage', next);
  };

  const exportCsv = async (): Promise<void> => {
    setExportError(undefined);
    try {
      const response = await apiFetch(`/usage/series${queryString({ ...query, format: 'csv' })}`);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `switchboard-usage-${view.bucket}-${view.window}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setExportError(error instanceof ApiError ? error : new ApiError(0, String(error)));
    }
  };

  const points = series.data?.points ?? [];
  // Web searches get a column only in a window that has some (most deployments pass no search tool).
  const searched = points.some((point) => point.web_search_calls > 0);
  return (
    <>
      <Filters view={view} update={update} listsReady={series.loadedKey !== undefined || series.error !== undefined} />
      {view.unknownZone !== undefined ? (
        <p class="notice error" role="alert">
          Unknown time zone '{view.unknownZone.slice(0, 64)}' in the link: times are shown in {view.tz}.
        </p>
      ) : null}
      {series.error?.status === 404 ? <Unavailable what="Usage charts" /> : <ErrorNotice error={series.error} />}
      <Section
        title={`Per ${view.bucket} (${view.tz})`}
        actions={
          <button type="button" class="secondary" onClick={() => void exportCsv()}>
            Export CSV
          </button>
        }
      >
        <ErrorNotice error={exportError} />
        <Loading when={series.loading && !series.data} />
        <div class="chart-grid" data-loaded={seriesShown ? 'true' : 'false'} data-filters={filtersText}>
          <UsageChart points={points} tz={view.tz} bucket={view.bucket} />
          <div class="table-wrap scroll" tabIndex={0} role="region" aria-label="Scrollable table">
            <table data-testid="series-table">
              <thead>
                <tr>
                  <th scope="col">{view.bucket === 'day' ? 'Day' : 'Hour'}</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Errors</th>
                  <th scope="col">Tokens in / out</th>
                  {searched ? <th scope="col">Web searches</th> : null}
                  <th scope="col">Spend</th>
                  <th scope="col">p95</th>
                </tr>
              </thead>
              <tbody>
                {points.length === 0 ? (
                  <tr>
                    <td colSpan={searched ? 7 : 6} class="muted">
                      No usage in this window.
                    </td>
                  </tr>
                ) : (
                  points.map((point) => (
                    <tr key={point.t}>
                      <th scope="row">{bucketLabel(point.t, view.bucket, view.tz)}</th>
                      <td>{formatNumber(point.requests)}</td>
                      <td>{formatNumber(point.errors)}</td>
                      <td>
                        {formatNumber(point.input_tokens)} / {formatNumber(point.output_tokens)}
                      </td>
                      {searched ? <td>{formatNumber(point.web_search_calls)}</td> : null}
                      <td>{formatUsd(point.cost_usd)}</td>
                      <td>{formatMs(point.p95_ms)}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
        </div>
      </Section>
      <Section title="Requests">
        {requests.error?.status === 404 ? <Unavailable what="The requests list" /> : <ErrorNotice error={requests.error} />}
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
          <table data-testid="requests-table" data-loaded={requestsShown ? 'true' : 'false'} data-filters={filtersText}>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Model</th>
                <th scope="col">Provider</th>
                <th scope="col">Status</th>
                <th scope="col">Tokens in / out</th>
                <th scope="col">Cost</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {(requests.data?.data ?? []).map((row) => (
                <tr key={row.id}>
                  <th scope="row">
                    <button type="button" class="link" onClick={() => setDetail(row.request_id)} aria-label={`${formatTime(row.started_at, view.tz)}: details of request ${row.request_id}`}>
                      {formatTime(row.started_at, view.tz)}
                    </button>
                  </th>
                  <td>
                    {row.requested_model}
                    {row.model_name && row.model_name !== row.requested_model ? ` → ${row.model_name}` : ''}
                    {row.route_name ? ` (route ${row.route_name}${row.arm ? `, arm ${row.arm}` : ''})` : ''}
                  </td>
                  <td>{row.provider_name ?? '—'}</td>
                  <td>
                    <span class={`badge ${row.status < 400 ? 'ok' : 'bad'}`}>{row.status}</span> {row.error_code ?? ''}
                  </td>
                  <td>
                    {formatNumber(row.input_tokens)} / {formatNumber(row.output_tokens)}
                    {row.web_search_calls > 0 ? <span class="muted" data-testid="web-searches">{` · ${formatNumber(row.web_search_calls)} web search${row.web_search_calls === 1 ? '' : 'es'}`}</span> : null}
                  </td>
                  <td>{formatUsd(row.cost_usd)}</td>
                  <td>{formatMs(row.duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="pager">
          <button type="button" class="secondary" disabled={stack.length === 0} onClick={() => setCursors({ key, stack: stack.slice(0, -1) })}>
            Newer
          </button>
          <span class="muted">Page {stack.length + 1}</span>
          <button
            type="button"
            class="secondary"
            disabled={!requests.data?.next_before}
            onClick={() => requests.data?.next_before && setCursors({ key, stack: [...stack, requests.data.next_before] })}
          >
            Older
          </button>
        </div>
      </Section>
      <Drawer title="Request detail" open={detail !== undefined} onClose={() => setDetail(undefined)}>
        {detail ? <ExplainView requestId={detail} /> : null}
      </Drawer>
    </>
  );
}

function bucketLabel(t: string, bucket: 'hour' | 'day', tz: string): string {
  return dateFormat(bucket, tz).format(new Date(t));
}

/**
 * The filter bar. Its option lists load once the chart's data is in, so they never queue in front
 * of it (the embedded database answers one query at a time).
 */
function Filters({ view, update, listsReady }: { view: UsageView; update: (changes: Record<string, string | undefined>) => void; listsReady: boolean }) {
  const list = <T,>(path: string) => (listsReady ? get<T[]>(path) : Promise.resolve([] as T[]));
  const wait = listsReady ? '' : ':wait';
  const projects = useData(`projects${wait}`, () => list<Project>('/projects'), ['config']);
  const models = useData(`models${wait}`, () => list<Model>('/models'), ['config']);
  const providers = useData(`providers${wait}`, () => list<Provider>('/providers'), ['config']);
  const select = (name: string, label: string, options: readonly string[], value: string | undefined, all = 'All') => (
    <div class="field">
      <label for={`usage-${name}`}>{label}</label>
      <select id={`usage-${name}`} value={value ?? ''} onChange={(event) => update({ [name]: (event.target as HTMLSelectElement).value || undefined })}>
        {all ? <option value="">{all}</option> : null}
        {(value && !options.includes(value) ? [...options, value] : options).map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
  const text = (name: string, label: string) => (
    <div class="field">
      <label for={`usage-${name}`}>{label}</label>
      <input
        id={`usage-${name}`}
        value={view.filters[name] ?? ''}
        autoComplete="off"
        onChange={(event) => update({ [name]: (event.target as HTMLInputElement).value.trim() || undefined })}
      />
    </div>
  );
  return (
    <form class="filters" aria-label="Usage filters" onSubmit={(event) => event.preventDefault()}>
      {select('window', 'Window', Object.keys(WINDOWS), view.window, '')}
      {select('bucket', 'Bucket', ['hour', 'day'], view.bucket, '')}
      {select('tz', 'Time zone', ZONES.includes(view.tz) ? ZONES : [...ZONES, view.tz], view.tz, '')}
      {select('project', 'Project', (projects.data ?? []).map((row) => row.name), view.filters['project'])}
      {select('model', 'Model', (models.data ?? []).map((row) => row.name), view.filters['model'])}
      {select('provider', 'Provider', (providers.data ?? []).map((row) => row.name), view.filters['provider'])}
      {select('status', 'Status', ['2xx', '4xx', '5xx'], view.filters['status'])}
      {text('key', 'API key id')}
      {text('route', 'Route')}
    </form>
  );
}
