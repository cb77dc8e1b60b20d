import { parseUsageQuery } from '../../usage/reports/usage-query.js';
import { usageReport, type UsageReport, type UsageReportRow } from '../../usage/reports/usage-report.js';
import { line, print, printJson, type Command } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { parseOptions } from '../parse-options.js';
import { runUsageExplain } from './usage-explain.js';
import { directOrServer } from './server-admin.js';
import { withDb } from './with-db.js';
import { runArmComparison } from './usage-arms.js';

const filterOptions = {
  project: { type: 'string' },
  key: { type: 'string' },
  model: { type: 'string' },
  provider: { type: 'string' },
  route: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  by: { type: 'string' },
} as const;

export const usageCommand: Command = {
  name: 'usage',
  summary: 'usage and cost reports from the ledger rollups; explain one request',
  usage: [
    'Usage:',
    '  switchboard usage [--project P] [--key K] [--model M] [--provider P] [--route R]',
    '                    [--since T] [--until T] [--by model|provider|project|key|day|hour|arm|route] [--json]',
    '  switchboard usage explain <request-id> [--json]',
    '',
    'Reports requests, errors, tokens per bucket, exact cost (USD) and latency p50/p95 from the hourly',
    'rollups. --project takes a name or id, --key an API key id or its prefix. Times are ISO',
    '(2026-12-01, 2026-12-01T10:00:00Z) or back from now (30m, 24h, 7d, 2w); whole hours are counted.',
    'explain shows a request\'s ledger rows, the price rows used and the buckets x prices arithmetic.',
    '--route R --by arm compares the arms of a route (by arm assigned and by arm served, with a',
    'sample-ratio check against the weights); see docs/routing.md.',
  ].join('\n'),
  async run(args, context) {
    if (args[0] === 'explain') return runUsageExplain(args.slice(1), context);
    const { values } = parseOptions(args, filterOptions);
    if (values.route !== undefined && values.by === 'arm') return runArmComparison(values, context);
    const entries = Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    const query = parseUsageQuery(entries);
    const report = await directOrServer(
      context,
      () => withDb(context, (db) => usageReport(db, query)),
      // The admin API reads the same filters with the same parser.
      (server) => server.call<UsageReport>('GET', `usage?${new URLSearchParams(entries).toString()}`),
    );
    if (context.json) printJson(context, report);
    else print(context, renderReport(report));
    return 0;
  },
};

/** The report as a text table: one line per group, then the total. */
export function renderReport(report: UsageReport): string {
  // Web searches get a column only in a window that has some (most deployments pass none).
  const searches = report.total.web_search_calls > 0;
  const lines = (report.by === null ? [tableRow('total', report.total, searches)] : [
    ...report.rows.map((row) => tableRow(row.group ?? '(none)', row, searches)),
    tableRow('(total)', report.total, searches),
  ]);
  const window = [report.filters.since && line`since ${report.filters.since}`, report.filters.until && line`until ${report.filters.until}`].filter(Boolean).join(', ');
  const header = `Usage${report.by === null ? '' : line` by ${report.by}`}${window ? ` (${window}; whole hours)` : ''}`;
  return `${header}\n${formatTable(lines)}`;
}

function tableRow(group: string, row: UsageReportRow, searches: boolean): Record<string, string | number> {
  return {
    group,
    requests: row.requests,
    errors: row.errors,
    'error%': (row.error_rate * 100).toFixed(2),
    input: row.tokens.input,
    cached: row.tokens.cached_input,
    'write5m': row.tokens.cache_write_5m,
    'write1h': row.tokens.cache_write_1h,
    output: row.tokens.output,
    reasoning: row.tokens.reasoning,
    ...(searches ? { searches: row.web_search_calls } : {}),
    cost_usd: trimDecimal(row.cost_usd),
    unpriced: row.unpriced_requests,
    p50_ms: row.latency_p50_ms ?? '',
    p95_ms: row.latency_p95_ms ?? '',
  };
}

/** `12.340000000000` → `12.34`: trailing zeros dropped (the value stays exact), at least 2 decimals. */
export function trimDecimal(value: string): string {
  if (!/^-?\d+\.\d+$/.test(value)) return value;
  const [whole, fraction = ''] = value.split('.') as [string, string];
  const kept = fraction.replace(/0+$/, '');
  return `${whole}.${kept.padEnd(2, '0')}`;
}

