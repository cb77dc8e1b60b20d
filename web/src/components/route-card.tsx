import { formatPercent, formatTime } from '../format';
import { href } from '../router';
import type { RouteRow, RouteTarget, RoutingStatus } from '../types';

type StatusTarget = RoutingStatus['routes'][number]['targets'][number];

/** Each target's share of its tier's weight, as the router splits traffic (weight 0 drains). */
export function tierShares(targets: readonly RouteTarget[]): number[] {
  const totals = new Map<number, number>();
  for (const target of targets) if (target.weight > 0) totals.set(target.tier, (totals.get(target.tier) ?? 0) + target.weight);
  return targets.map((target) => (target.weight > 0 ? target.weight / (totals.get(target.tier) ?? 1) : 0));
}

function Breaker({ state }: { state: StatusTarget | undefined }) {
  if (!state) return <span class="muted">not served here</span>;
  if (state.breaker === 'open') {
    return (
      <span class="badge bad">
        open{state.open_until ? ` until ${formatTime(state.open_until)}` : ''}
      </span>
    );
  }
  if (state.breaker === 'half_open') return <span class="badge">half-open (one probe)</span>;
  return <span class="badge ok">closed</span>;
}

/** One route: scope, strategy, version, active flag and its targets by tier with weights, shares and breakers. */
export function RouteCard({ route, status, selected }: { route: RouteRow; status: RoutingStatus['routes'][number] | undefined; selected: boolean }) {
  const shares = tierShares(route.targets);
  const order = route.targets.map((target, index) => ({ target, share: shares[index] ?? 0 })).sort((a, b) => a.target.tier - b.target.tier || b.target.weight - a.target.weight);
  const scope = route.project ? `project ${route.project}` : 'global';
  return (
    <section class="card" aria-label={`Route ${route.name} (${scope})`} data-route={route.name} data-version={route.version}>
      <div class="card-head">
        <h2>
          {route.name} <span class="muted">({scope})</span>
        </h2>
        <a href={href('routing', { route: route.name, project: route.project ?? undefined })} aria-current={selected ? 'true' : undefined} class="button-link">
          {selected ? 'Shown below: explain and arms' : `Explain and compare arms of ${route.name}`}
        </a>
      </div>
      <p class="route-facts">
        <span class={`badge ${route.is_active ? 'ok' : ''}`}>{route.is_active ? 'active' : 'inactive'}</span> {route.strategy}, version {route.version}, sticky key from{' '}
        {route.sticky_key}, up to {route.max_attempts} attempts
      </p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={`Targets of ${route.name}`}>
        <table>
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col">Model</th>
              <th scope="col">Arm</th>
              <th scope="col">Weight</th>
              <th scope="col">Share of tier</th>
              <th scope="col">Breaker</th>
              <th scope="col">Model status</th>
            </tr>
          </thead>
          <tbody>
            {order.map(({ target, share }) => (
              <tr key={target.model} data-target={target.model} class={target.weight > 0 ? undefined : 'dead'}>
                <td>{target.tier}</td>
                <th scope="row">{target.model}</th>
                <td>{target.arm}</td>
                <td>{target.weight}</td>
                <td data-share={share}>{target.weight > 0 ? formatPercent(share) : 'drained'}</td>
                <td>
                  <Breaker state={status?.targets.find((candidate) => candidate.model === target.model)} />
                </td>
                <td class="wrap">{target.available === false ? `unavailable: ${target.reason ?? 'unknown'}` : target.available ? 'available' : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
