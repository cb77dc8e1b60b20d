import { inline } from './cli-context.js';

/**
 * Renders rows as an aligned text table with a header; values are stringified, null as '', each
 * cell one line (line breaks as spaces, tabs and other controls visible).
 */
export function formatTable(rows: readonly object[], columns?: readonly string[]): string {
  const records = rows as readonly Record<string, unknown>[];
  const keys = columns ?? [...new Set(records.flatMap((row) => Object.keys(row)))];
  if (keys.length === 0) return '(no columns)';
  const cells = records.map((row) => keys.map((key) => cellText(row[key])));
  // Column names too: `sql` prints a view's, whoever created it.
  const header = keys.map((key) => inline(key));
  const widths = header.map((key, index) => Math.max(key.length, ...cells.map((line) => (line[index] ?? '').length)));
  const render = (line: readonly string[]): string => line.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  const lines = [render(header), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)];
  lines.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return lines.join('\n');
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return inline(JSON.stringify(value));
  return inline(String(value).replace(/\s*\n\s*/g, ' '));
}
