import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayMetrics } from '../../src/server/metrics.js';
import { picoToDecimal } from '../../src/usage/money.js';
import { picoUsd } from '../../src/usage/reports/pico-usd.js';
import { countUsageRow, UsageCounters, type UsageCounterSample } from '../../src/usage/reports/usage-counters.js';

const tokens = (input: number, output: number) => ({ input, cached_input: 1, cache_write_5m: 0, cache_write_1h: 0, output, reasoning: 2 });
const sample = (project: string, model: string, costUsd: string | null, input = 10, output = 5, webSearchCalls = 0): UsageCounterSample => ({
  project,
  model,
  tokens: tokens(input, output),
  costPico: costUsd === null ? null : picoUsd(costUsd),
  webSearchCalls,
});

test('pico-USD: exact parse and format at 12 decimals; malformed amounts are refused', () => {
  assert.equal(picoUsd('0.000000000001'), 1n);
  assert.equal(picoUsd('12.5'), 12_500_000_000_000n);
  assert.equal(picoUsd('3'), 3_000_000_000_000n);
  assert.equal(picoToDecimal(1n), '0.000000000001');
  assert.equal(picoToDecimal(123_456_789_000_000_123n), '123456.789000000123');
  for (const bad of ['', '-1', '1e-3', '0.0000000000001', 'abc']) assert.throws(() => picoUsd(bad), RangeError, bad);
});

test('spend is summed exactly per project and model: 0.1 ten times is 1, not 0.9999999999999999', () => {
  const counters = new UsageCounters();
  for (let index = 0; index < 10; index++) counters.record(sample('alpha', 'gpt', '0.100000000000'));
  counters.record(sample('alpha', 'gpt', null, 7, 3));
  counters.record(sample('beta', 'gpt', '0.000000000001'));
  const series = counters.series();
  assert.deepEqual(
    series.map((entry) => [entry.project, entry.model, picoToDecimal(entry.costPico), entry.tokens.input, entry.tokens.output, entry.tokens.reasoning]),
    [
      ['alpha', 'gpt', '1.000000000000', 107, 53, 22],
      ['beta', 'gpt', '0.000000000001', 10, 5, 2],
    ],
  );
});

test('series are capped: past the cap every new pair folds into _other', () => {
  const counters = new UsageCounters(2);
  counters.record(sample('a', 'm1', '1'));
  counters.record(sample('a', 'm2', '1'));
  for (let index = 0; index < 50; index++) counters.record(sample(`p${index}`, `m${index}`, '0.5'));
  counters.record(sample('a', 'm1', '1'));
  assert.deepEqual(
    counters.series().map((entry) => [entry.project, entry.model, picoToDecimal(entry.costPico)]),
    [
      ['a', 'm1', '2.000000000000'],
      ['a', 'm2', '1.000000000000'],
      ['_other', '_other', '25.000000000000'],
    ],
  );
});

test('/metrics text: spend and tokens as counters labelled by project and model, names escaped', () => {
  const counters = new UsageCounters();
  counters.record(sample('alpha', 'gpt "4"', '0.25', 10, 5, 3));
  counters.record(sample('alpha', 'gpt "4"', '0.25', 10, 5, 1));
  counters.record(sample('beta', 'gpt', '0.25'));
  const text = new GatewayMetrics().render(undefined, counters.series());
  assert.match(text, /^# TYPE switchboard_usage_cost_usd_total counter$/m);
  assert.match(text, /^switchboard_usage_cost_usd_total\{project="alpha",model="gpt \\"4\\""\} 0\.500000000000$/m);
  assert.match(text, /^# TYPE switchboard_usage_web_search_calls_total counter$/m);
  assert.match(text, /^switchboard_usage_web_search_calls_total\{project="alpha",model="gpt \\"4\\""\} 4$/m);
  assert.match(text, /^switchboard_usage_web_search_calls_total\{project="beta",model="gpt"\} 0$/m);
  assert.match(text, /^# TYPE switchboard_usage_tokens_total counter$/m);
  assert.match(text, /^switchboard_usage_tokens_total\{project="alpha",model="gpt \\"4\\"",bucket="input"\} 20$/m);
  assert.match(text, /^switchboard_usage_tokens_total\{project="alpha",model="gpt \\"4\\"",bucket="reasoning"\} 4$/m);
  assert.doesNotMatch(new GatewayMetrics().render(undefined), /switchboard_usage_/);
});

test('countUsageRow labels a ledger row by project name (else id, else empty) and served model', () => {
  const counters = new UsageCounters();
  const row = {
    projectId: 'p-1', modelName: 'gpt', inputTokens: 3, cachedInputTokens: 4, cacheWrite5mTokens: 5, cacheWrite1hTokens: 6,
    outputTokens: 7, reasoningTokens: 8, webSearchCalls: 2,
  };
  const names = (id: string) => (id === 'p-1' ? 'alpha' : undefined);
  countUsageRow(counters, row, 10n, names);
  countUsageRow(counters, { ...row, projectId: 'p-2', modelName: null }, null, names);
  countUsageRow(counters, { ...row, projectId: null }, 10n, names);
  countUsageRow(counters, row, 5n, names);
  assert.deepEqual(
    counters.series().map((entry) => [entry.project, entry.model, entry.costPico, Object.values(entry.tokens), entry.webSearchCalls]),
    [
      ['alpha', 'gpt', 15n, [6, 8, 10, 12, 14, 16], 4],
      ['p-2', '', 0n, [3, 4, 5, 6, 7, 8], 2],
      ['', 'gpt', 10n, [3, 4, 5, 6, 7, 8], 2],
    ],
  );
});
