import type { UsageStats } from './usage-recorder.js';
import { escapeLabel } from '../metrics-label.js';

/** The ledger's Prometheus lines (appended to the gateway's /metrics). */
export function renderUsageMetrics(stats: UsageStats): string {
  const lines = [
    '# HELP switchboard_usage_rows_buffered Ledger rows waiting to be written.',
    '# TYPE switchboard_usage_rows_buffered gauge',
    `switchboard_usage_rows_buffered ${stats.buffered}`,
    '# HELP switchboard_usage_rows_written_total Ledger rows written to the database.',
    '# TYPE switchboard_usage_rows_written_total counter',
    `switchboard_usage_rows_written_total ${stats.written}`,
    '# HELP switchboard_usage_rows_dropped_total Ledger rows lost: buffer_full (database unavailable too long), shutdown, or invalid (values the database refused).',
    '# TYPE switchboard_usage_rows_dropped_total counter',
    `switchboard_usage_rows_dropped_total{reason="buffer_full"} ${stats.dropped.buffer_full}`,
    `switchboard_usage_rows_dropped_total{reason="shutdown"} ${stats.dropped.shutdown}`,
    `switchboard_usage_rows_dropped_total{reason="invalid"} ${stats.dropped.invalid}`,
    '# HELP switchboard_usage_flush_failures_total Failed ledger inserts (retried).',
    '# TYPE switchboard_usage_flush_failures_total counter',
    `switchboard_usage_flush_failures_total ${stats.failedFlushes}`,
    '# HELP switchboard_usage_estimated_total Ledger rows whose usage was estimated with a tokenizer.',
    '# TYPE switchboard_usage_estimated_total counter',
    `switchboard_usage_estimated_total ${stats.estimated}`,
    '# HELP switchboard_usage_unpriced_requests_total Requests recorded with an unknown cost (no price), by model.',
    '# TYPE switchboard_usage_unpriced_requests_total counter',
  ];
  for (const [model, count] of stats.unpriced) lines.push(`switchboard_usage_unpriced_requests_total{model="${escapeLabel(model)}"} ${count}`);
  return `${lines.join('\n')}\n`;
}
