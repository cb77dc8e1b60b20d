// BENCH_ROUTE: the gateway's CPU per request on a direct model vs a two-target route (issue 11).
// bench-serve --route bench-ab serves a route `bench-ab` (gpt-4o-mini 50 / gpt-4o 50); with the
// route on, the gateway's load bodies name `bench-ab` instead of gpt-4o-mini.

export const ROUTE_NAME = 'bench-ab';

/** The route phases of BENCH_ROUTE: 0/off (default) → direct only, 1/on → route only, both → direct then route. */
export function routePhases(raw = '') {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === '0' || value === 'off') return ['off'];
  if (value === '1' || value === 'on') return ['on'];
  if (value === 'both') return ['off', 'on'];
  throw new Error('BENCH_ROUTE takes 0, 1 or both');
}

/** A request body with the route's name as `model` (gateway target, route on). */
export function routedBody(body) {
  const parsed = JSON.parse(body);
  if (parsed.model !== 'gpt-4o-mini') return body;
  return JSON.stringify({ ...parsed, model: ROUTE_NAME });
}

/** Direct model vs route: requests per second and gateway CPU per request, per load. */
export function renderRouteComparison(directRows, routeRows) {
  const find = (rows, mode, load) => rows.find((row) => row.mode === mode && row.load === load && row.target === 'gateway');
  const num = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
  const delta = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? `${b >= a ? '+' : ''}${(b - a).toFixed(1)}` : '–');
  const lines = [
    `Direct model vs two-target route \`${ROUTE_NAME}\` (gateway; goal: at most +20 µs CPU per request):`,
    '',
    '| load | req/s model | req/s route | CPU µs/req model | CPU µs/req route | Δ µs |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of directRows.filter((candidate) => candidate.target === 'gateway')) {
    const routed = find(routeRows, row.mode, row.load);
    if (!routed) continue;
    lines.push(`| ${row.mode} ${row.load} | ${num(row.rps)} | ${num(routed.rps)} | ${num(row.cpuPerRequestUs)} | ${num(routed.cpuPerRequestUs)} | ${delta(row.cpuPerRequestUs, routed.cpuPerRequestUs)} |`);
  }
  return lines.join('\n');
}
