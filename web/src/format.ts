/** Display helpers. Times are shown in the browser's zone unless a zone is given. */

// Building an Intl.DateTimeFormat is costly (toLocaleString builds one per call): keep one per use.
const formatters = new Map<string, Intl.DateTimeFormat>();
export function dateFormat(kind: 'time' | 'day' | 'hour', timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${kind}:${timeZone ?? ''}`;
  let format = formatters.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'time'
        ? { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }
        : kind === 'day'
          ? { year: 'numeric', month: '2-digit', day: '2-digit' }
          : { month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' };
    format = new Intl.DateTimeFormat(kind === 'day' ? 'en-CA' : 'en-GB', { ...options, ...(timeZone ? { timeZone } : {}) });
    formatters.set(key, format);
  }
  return format;
}

export function formatTime(value: string | null | undefined, timeZone?: string): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return dateFormat('time', timeZone).format(date);
}

const integer = new Intl.NumberFormat('en-US');
const usdSmall = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 });
const usd = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatUsd(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) return String(value);
  return `$${(number !== 0 && Math.abs(number) < 1 ? usdSmall : usd).format(number)}`;
}

export function formatNumber(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const number = Number(value);
  return Number.isFinite(number) ? integer.format(number) : String(value);
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A share or rate in [0, 1] as a percentage (one decimal below 10%, so 2.5% is not shown as 3%). */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const percent = value * 100;
  return `${percent !== 0 && Math.abs(percent) < 10 ? percent.toFixed(1) : Math.round(percent)}%`;
}
