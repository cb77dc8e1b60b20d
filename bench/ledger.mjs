// The usage ledger in `npm run bench` (BENCH_LEDGER): a fresh Postgres database per gateway run
// with the ledger on, its row count after the run, and the off-vs-on comparison table.
import pg from 'pg';

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The gateway runs BENCH_LEDGER asks for: `['off']` (default), `['on']` (1) or `['off', 'on']` (both). */
export function ledgerPhases(raw = '') {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === '0' || value === 'off') return ['off'];
  if (value === '1' || value === 'on') return ['on'];
  if (value === 'both') return ['off', 'on'];
  throw new Error('BENCH_LEDGER takes 0, 1 or both');
}

/** `url` with its database replaced. */
function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates an empty database `sb_bench_<time>` through the admin connection `adminUrl` (the
 * gateway migrates it). Returns its URL, a row counter for `public.ai_usage` and `drop()`.
 */
export async function createLedgerDatabase(adminUrl) {
  const name = `sb_bench_${Date.now()}_${process.pid}`;
  await withClient(adminUrl, (admin) => admin.query(`create database "${name}"`));
  const url = withDatabase(adminUrl, name);
  return {
    name,
    url,
    rows: () => withClient(url, async (client) => Number((await client.query('select count(*)::int as n from public.ai_usage')).rows[0].n)),
    drop: () => withClient(adminUrl, (admin) => admin.query(`drop database if exists "${name}" with (force)`)),
  };
}

const COMPARED = [
  ['chat', 'c=10'],
  ['chat', 'c=50'],
  ['stream', 'c=10'],
];

/** The gateway runs BENCH_GOVERNANCE asks for: `['off']` (default), `['on']` (1) or `['off', 'on']` (both). */
export function governancePhases(raw = '') {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === '0' || value === 'off') return ['off'];
  if (value === '1' || value === 'on') return ['on'];
  if (value === 'both') return ['off', 'on'];
  throw new Error('BENCH_GOVERNANCE takes 0, 1 or both');
}

/** Markdown: req/s and gateway CPU µs per request, ledger off vs on, for the loads that were run. */
export function renderLedgerComparison(offRows, onRows, title = 'Usage ledger off vs on (gateway; goal: within 10% on req/s and CPU per request):') {
  const find = (rows, mode, load) => rows.find((row) => row.mode === mode && row.load === load && row.target === 'gateway');
  const pct = (off, on) => (Number.isFinite(off) && Number.isFinite(on) && off !== 0 ? `${on >= off ? '+' : ''}${(((on - off) / off) * 100).toFixed(1)}%` : '–');
  const num = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
  const lines = [
    title,
    '',
    '| load | req/s off | req/s on | Δ | CPU µs/req off | CPU µs/req on | Δ |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [mode, load] of COMPARED) {
    const off = find(offRows, mode, load);
    const on = find(onRows, mode, load);
    if (!off || !on) continue;
    lines.push(`| ${mode} ${load} | ${num(off.rps)} | ${num(on.rps)} | ${pct(off.rps, on.rps)} | ${num(off.cpuPerRequestUs)} | ${num(on.cpuPerRequestUs)} | ${pct(off.cpuPerRequestUs, on.cpuPerRequestUs)} |`);
  }
  if (lines.length === 4) lines.push('| (none of chat c=10, chat c=50, stream c=10 ran) | | | | | | |');
  return lines.join('\n');
}
