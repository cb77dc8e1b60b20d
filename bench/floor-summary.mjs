// Issue 14's comparison in `npm run bench`: which gateway runs BENCH_TARGETS asks for (the bare
// Switchboard, the full hot path, the reference floor of bench/floor.mjs) and the summary table
// of Switchboard's figures against the floor's, measured in the same bench run on the same loads.

/** Row `target` names and how the summary shows them. */
export const LABELS = { direct: 'direct (mock)', gateway: 'switchboard (bare)', full: 'switchboard (full)', floor: 'floor' };

/** The full hot path: usage recorded, a budget and a rate limit on the key, a two-target route. */
export const FULL_RUN = { target: 'full', ledger: 'on', trace: 'off', route: 'on', governance: 'on' };
/** bench/floor.mjs: nothing on, no database. */
export const FLOOR_RUN = { target: 'floor', ledger: 'off', trace: 'off', route: 'off', governance: 'off' };

const KNOWN = ['switchboard', 'full', 'floor'];

const ORDER = ['direct', 'gateway', 'full', 'floor'];
/** Rows of several gateway runs in the order one run measures them: by mode, then load, then target. */
export function orderRows(rows) {
  const firstIndex = (key) => (row) => rows.findIndex((other) => key(other) === key(row));
  const mode = firstIndex((row) => row.mode);
  const load = firstIndex((row) => row.load);
  return [...rows].sort((a, b) => mode(a) - mode(b) || load(a) - load(b) || ORDER.indexOf(a.target) - ORDER.indexOf(b.target));
}

/**
 * The targets to measure besides `direct`: BENCH_TARGETS (comma-separated `switchboard`, `full`,
 * `floor`; default `switchboard,floor`), with BENCH_FULL=1 adding `full`. `full` needs Postgres
 * (the ledger and the leases), so it is not in the default.
 */
export function benchTargets(rawTargets = '', rawFull = '') {
  const list = (rawTargets.trim() === '' ? 'switchboard,floor' : rawTargets).split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);
  for (const name of list) if (!KNOWN.includes(name)) throw new Error(`BENCH_TARGETS: unknown target ${name} (known: ${KNOWN.join(', ')})`);
  if (!['', '0', '1'].includes(rawFull.trim())) throw new Error('BENCH_FULL takes 0 or 1');
  const chosen = new Set(list);
  if (rawFull.trim() === '1') chosen.add('full');
  if (chosen.size === 0) throw new Error('BENCH_TARGETS names no target');
  return { switchboard: chosen.has('switchboard'), full: chosen.has('full'), floor: chosen.has('floor') };
}

const num = (value, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');
const plusMs = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms` : '–');

/** The closed-loop load closest to what the issue names (`c=50`, else the largest one run). */
function closedLoad(rows, wanted) {
  const loads = [...new Set(rows.filter((row) => row.load.startsWith('c=')).map((row) => row.load))];
  if (loads.includes(wanted)) return wanted;
  return loads.sort((a, b) => Number(b.slice(2)) - Number(a.slice(2)))[0];
}

/**
 * The figures per target, the goals as kinds of comparison with the floor:
 * `ratio` (target ÷ floor ≤ limit) or `plus` (target − floor ≤ limit).
 */
export function floorFigures(rows, heldRows, peakMBByTarget) {
  const find = (mode, load, target) => rows.find((row) => row.mode === mode && row.load === load && row.target === target);
  const chatLoad = closedLoad(rows.filter((row) => row.mode === 'chat'), 'c=50');
  const streamLoad = closedLoad(rows.filter((row) => row.mode === 'stream'), 'c=50');
  const added = (target) => {
    const own = find('chat', 'c=1', target);
    const direct = find('chat', 'c=1', 'direct');
    return own && direct ? own.total.p50 - direct.total.p50 : Number.NaN;
  };
  const figures = [
    { name: `gateway CPU µs per non-streaming request, chat ${chatLoad ?? '?'}`, kind: 'ratio', limit: 1.5, goal: '≤ 1.5× floor', unit: 'µs', of: (t) => find('chat', chatLoad, t)?.cpuPerRequestUs },
    { name: `gateway CPU µs per streamed request (20 chunks), stream ${streamLoad ?? '?'}`, kind: 'ratio', limit: 2, goal: '≤ 2× floor', unit: 'µs', of: (t) => find('stream', streamLoad, t)?.cpuPerRequestUs },
    { name: 'added p50 latency, chat c=1 (target − direct)', kind: 'plus', limit: 0.05, goal: '≤ floor + 0.05 ms', unit: 'ms', of: added },
    { name: 'peak RSS under load (VmHWM after the loads)', kind: 'plus', limit: 20, goal: '≤ floor + 20 MB', unit: 'MB', of: (t) => peakMBByTarget[t] },
  ];
  for (const load of [...new Set(heldRows.map((row) => row.load))]) {
    const held = (t) => heldRows.find((row) => row.load === load && row.target === t);
    figures.push(
      { name: `held ${load}: errors`, kind: 'zero', goal: '0', unit: '', of: (t) => held(t)?.errors },
      { name: `held ${load}: RSS KB per stream`, kind: 'ratio', limit: 2, goal: '≤ 2× floor', unit: 'KB', of: (t) => held(t)?.kbPerStream },
      { name: `held ${load}: TTFB p99 ms`, kind: 'ratio', limit: 2, goal: '≤ 2× floor', unit: 'ms', of: (t) => held(t)?.ttfb.p99 },
    );
  }
  return figures.map(({ of, ...figure }) => {
    const value = (target) => of(target) ?? Number.NaN;
    const floor = value('floor');
    const versus = (target) => {
      const own = value(target);
      if (figure.kind === 'zero') return { value: own, vs: Number.NaN, met: Number.isFinite(own) ? own === 0 : null };
      const vs = figure.kind === 'ratio' ? own / floor : own - floor;
      return { value: own, vs, met: Number.isFinite(vs) ? vs <= figure.limit : null };
    };
    return { ...figure, floor, bare: versus('gateway'), full: versus('full') };
  });
}

/** Markdown: floor, bare and full side by side with the ratio (or difference) to the floor and the goal. */
export function renderFloorSummary(figures, targets) {
  const show = (figure, value) => (figure.unit === 'ms' && figure.kind === 'plus' ? plusMs(value) : num(value, figure.unit === 'ms' ? 2 : 0));
  const vs = (figure, cell) => {
    if (figure.kind === 'zero') return '';
    if (figure.kind === 'ratio') return Number.isFinite(cell.vs) ? `${cell.vs.toFixed(2)}×` : '–';
    return Number.isFinite(cell.vs) ? `${cell.vs >= 0 ? '+' : ''}${cell.vs.toFixed(figure.unit === 'ms' ? 2 : 0)} ${figure.unit}` : '–';
  };
  const verdict = (cell) => (cell.met === null ? '?' : cell.met ? 'met' : 'missed');
  const columns = [
    ['floor', (figure) => (figure.kind === 'zero' ? num(figure.floor) : show(figure, figure.floor))],
    ...(targets.switchboard ? [[LABELS.gateway, (f) => show(f, f.bare.value)], ['vs floor', (f) => vs(f, f.bare)]] : []),
    ...(targets.full ? [[LABELS.full, (f) => show(f, f.full.value)], ['vs floor', (f) => vs(f, f.full)]] : []),
    ['goal', (figure) => figure.goal],
    ...(targets.switchboard ? [['bare', (f) => verdict(f.bare)]] : []),
    ...(targets.full ? [['full', (f) => verdict(f.full)]] : []),
  ];
  return [
    'Against the floor (issue 14; the same loads, each gateway alone on the gateway core; "vs floor" is the ratio or the difference the goal uses):',
    '',
    `| figure | ${columns.map(([title]) => title).join(' | ')} |`,
    `| --- | ${columns.map(([title]) => (title === 'goal' || title === 'bare' || title === 'full' ? '---' : '---:')).join(' | ')} |`,
    ...figures.map((figure) => `| ${figure.name} | ${columns.map(([, cell]) => cell(figure)).join(' | ')} |`),
  ].join('\n');
}
