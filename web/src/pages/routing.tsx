import { get } from '../api';
import { ArmComparisonView } from '../components/arm-comparison';
import { ErrorNotice, Loading, Section, Unavailable } from '../components/notice';
import { RouteCard } from '../components/route-card';
import { RouteExplain } from '../components/route-explain';
import { navigate } from '../router';
import { useData } from '../use-data';
import type { ArmComparison, RouteRow, RoutingStatus } from '../types';

const WINDOWS = ['1h', '24h', '7d', '30d'] as const;

/**
 * Routes with their tiers, weights and breakers (GET /routes and this instance's /routing/status),
 * then, for the route chosen in the URL (`#/routing?route=…&project=…&window=7d`; default the
 * first), the explain view and the per-arm comparison. Live on `config` (and `usage` for the arms).
 */
export function RoutingPage({ params }: { params: URLSearchParams }) {
  const routes = useData('routes', () => get<RouteRow[]>('/routes'), ['config']);
  const status = useData('routing-status', () => get<RoutingStatus>('/routing/status'), ['config']);
  const list = routes.data ?? [];
  const wanted = params.get('route');
  const selected = (wanted ? list.find((route) => route.name === wanted && (route.project ?? '') === (params.get('project') ?? '')) : undefined) ?? list[0];
  const window = WINDOWS.find((candidate) => candidate === params.get('window')) ?? '7d';

  if (routes.error?.status === 404 && routes.error.message.includes('Unknown admin route')) return <Unavailable what="Routing" />;
  return (
    <>
      <Loading when={routes.loading && !routes.data} />
      <ErrorNotice error={routes.error} />
      {status.error && status.error.status !== 404 ? <ErrorNotice error={status.error} /> : null}
      {routes.data && list.length === 0 ? (
        <p class="muted">
          No route yet. Create one with <code>switchboard routes add</code>, <code>POST /admin/v1/routes</code> or plain SQL (docs/routing.md).
        </p>
      ) : null}
      {list.map((route) => (
        <RouteCard key={route.id} route={route} status={status.data?.routes.find((served) => served.id === route.id)} selected={route === selected} />
      ))}
      {selected ? (
        <>
          <Section title={`Explain ${selected.name}`}>
            <RouteExplain key={selected.id} route={selected.name} project={selected.project} />
          </Section>
          <Section
            title={`Arms of ${selected.name}`}
            actions={
              <div class="field inline">
                <label for="arms-window">Window</label>
                <select
                  id="arms-window"
                  value={window}
                  onChange={(event) => navigate('routing', { route: selected.name, project: selected.project ?? undefined, window: (event.target as HTMLSelectElement).value })}
                >
                  {WINDOWS.map((candidate) => (
                    <option key={candidate} value={candidate}>
                      last {candidate}
                    </option>
                  ))}
                </select>
              </div>
            }
          >
            <Comparison route={selected} window={window} />
          </Section>
        </>
      ) : null}
    </>
  );
}

function Comparison({ route, window }: { route: RouteRow; window: string }) {
  // A project route's comparison is filtered to that project (the rollups carry the route by name).
  const query = { since: window, project: route.project };
  const comparison = useData(`comparison:${route.id}:${window}`, () => get<ArmComparison>(`/routes/${encodeURIComponent(route.name)}/comparison`, query), ['usage', 'config']);
  return (
    <>
      <Loading when={comparison.loading && !comparison.data} />
      <ErrorNotice error={comparison.error} />
      {comparison.data ? <ArmComparisonView comparison={comparison.data} /> : null}
    </>
  );
}
