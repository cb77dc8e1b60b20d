/**
 * Prometheus metrics, hand-written (no dependency): request counts, latency histograms that
 * separate gateway overhead from upstream time, tokens and errors. Labels carry route, public model
 * name, provider name, status and error code only: never keys, projects' secrets or prompt text.
 * A model label is only set for names that resolved in the registry, so clients cannot create
 * unbounded series by sending random model names.
 *
 * @module
 */
import { picoToDecimal } from '../usage/money.js';
import { TOKEN_BUCKETS, type UsageSeries } from '../usage/reports/usage-counters.js';
import { escapeLabel } from '../metrics-label.js';

/** What one finished request contributes. */
export interface RequestSample {
  route: string;
  /** Public model name ('' when none or unknown). */
  model: string;
  provider: string;
  status: number;
  durationMs: number;
  /** Time spent waiting on the upstream, when one was called. */
  upstreamMs: number | undefined;
  inputTokens: number;
  outputTokens: number;
  /** Our error code, when the request failed. */
  errorCode: string | undefined;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** `name="value",…` for the given names and values. */
function labelText(names: readonly string[], values: readonly string[]): string {
  let text = '';
  for (let index = 0; index < names.length; index++) {
    text += `${index === 0 ? '' : ','}${names[index]}="${escapeLabel(values[index] ?? '')}"`;
  }
  return text;
}

interface CounterSeries {
  labels: string;
  value: number;
}

class Counter {
  readonly #series = new Map<string, CounterSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  add(values: readonly string[], amount: number): void {
    this.series(values).value += amount;
  }

  /** The series of these label values (created at 0). */
  series(values: readonly string[]): CounterSeries {
    const key = values.join('\u0000');
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: labelText(this.labelNames, values), value: 0 };
      this.#series.set(key, series);
    }
    return series;
  }

  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const series of this.#series.values()) lines.push(`${this.name}{${series.labels}} ${series.value}`);
  }
}

interface HistogramSeries {
  labels: string;
  counts: Float64Array;
  sum: number;
  count: number;
}

class Histogram {
  readonly #series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {}

  /** The series of these label values (created empty). */
  series(values: readonly string[]): HistogramSeries {
    const key = values.join('\u0000');
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: labelText(this.labelNames, values), counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    return series;
  }

  /** Counts one observation in `series` (one of this histogram's). */
  observeIn(series: HistogramSeries, seconds: number): void {
    // Per-bucket counts; cumulated when rendered.
    let index = 0;
    while (index < this.buckets.length && seconds > (this.buckets[index] as number)) index++;
    if (index < this.buckets.length) series.counts[index] = (series.counts[index] ?? 0) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const series of this.#series.values()) {
      const separator = series.labels === '' ? '' : ',';
      let cumulative = 0;
      for (let index = 0; index < this.buckets.length; index++) {
        cumulative += series.counts[index] ?? 0;
        lines.push(`${this.name}_bucket{${series.labels}${separator}le="${this.buckets[index]}"} ${cumulative}`);
      }
      lines.push(`${this.name}_bucket{${series.labels}${separator}le="+Inf"} ${series.count}`);
      lines.push(`${this.name}_sum{${series.labels}} ${series.sum}`);
      lines.push(`${this.name}_count{${series.labels}} ${series.count}`);
    }
  }
}

/** The series one sample's labels select (see GatewayMetrics.record). */
interface SampleSeries {
  route: string;
  model: string;
  provider: string;
  status: number;
  requests: CounterSeries;
  duration: HistogramSeries;
  upstream: HistogramSeries | undefined;
  overhead: HistogramSeries | undefined;
  input: CounterSeries | undefined;
  output: CounterSeries | undefined;
}

/** The gateway's metrics registry (one per gateway instance; no module state). */
export class GatewayMetrics {
  readonly #requests = new Counter('switchboard_requests_total', 'HTTP requests by route, model, provider and status.', [
    'route',
    'model',
    'provider',
    'status',
  ]);
  readonly #duration = new Histogram('switchboard_request_duration_seconds', 'Total request latency, seconds.', ['route'], LATENCY_BUCKETS);
  readonly #upstream = new Histogram(
    'switchboard_upstream_duration_seconds',
    'Time spent waiting on the upstream provider, seconds.',
    ['route', 'provider'],
    LATENCY_BUCKETS,
  );
  readonly #overhead = new Histogram(
    'switchboard_gateway_overhead_seconds',
    'Gateway overhead (total minus upstream time) of proxied requests, seconds.',
    ['route'],
    OVERHEAD_BUCKETS,
  );
  readonly #tokens = new Counter('switchboard_tokens_total', 'Tokens by model and direction (input, output).', ['model', 'direction']);
  readonly #errors = new Counter('switchboard_errors_total', 'Failed requests by error code.', ['code']);
  #inFlight = 0;
  #pipelinedHeld = 0;
  /** The series of the last sample's labels. */
  #last: SampleSeries | undefined;

  /** Requests currently being answered. */
  setInFlight(count: number): void {
    this.#inFlight = count;
  }

  /** One pipelined request held behind its connection's bound (SWITCHBOARD_MAX_CONCURRENT_PER_CONNECTION). */
  pipelinedHeld(): void {
    this.#pipelinedHeld += 1;
  }

  record(sample: RequestSample): void {
    const last = this.#last;
    // Requests in a row mostly share their labels: their series are then found without a key.
    const series =
      last !== undefined && last.route === sample.route && last.model === sample.model && last.provider === sample.provider && last.status === sample.status
        ? last
        : (this.#last = this.#seriesOf(sample));
    series.requests.value += 1;
    this.#duration.observeIn(series.duration, sample.durationMs / 1000);
    if (sample.upstreamMs !== undefined) {
      this.#upstream.observeIn((series.upstream ??= this.#upstream.series([sample.route, sample.provider])), sample.upstreamMs / 1000);
      this.#overhead.observeIn((series.overhead ??= this.#overhead.series([sample.route])), Math.max(0, sample.durationMs - sample.upstreamMs) / 1000);
    }
    if (sample.inputTokens > 0) (series.input ??= this.#tokens.series([sample.model, 'input'])).value += sample.inputTokens;
    if (sample.outputTokens > 0) (series.output ??= this.#tokens.series([sample.model, 'output'])).value += sample.outputTokens;
    if (sample.errorCode !== undefined) this.#errors.add([sample.errorCode], 1);
  }

  /** The series a sample with these labels counts in (those it may not touch are found when first needed). */
  #seriesOf(sample: RequestSample): SampleSeries {
    return {
      route: sample.route,
      model: sample.model,
      provider: sample.provider,
      status: sample.status,
      requests: this.#requests.series([sample.route, sample.model, sample.provider, String(sample.status)]),
      duration: this.#duration.series([sample.route]),
      upstream: undefined,
      overhead: undefined,
      input: undefined,
      output: undefined,
    };
  }

  /**
   * The Prometheus text exposition (format 0.0.4). `usage`: the spend and token counters of the
   * recorded ledger rows, per project and model.
   */
  render(configVersion: number | undefined, usage?: readonly UsageSeries[]): string {
    const lines: string[] = [];
    this.#requests.render(lines);
    this.#duration.render(lines);
    this.#upstream.render(lines);
    this.#overhead.render(lines);
    this.#tokens.render(lines);
    this.#errors.render(lines);
    lines.push('# HELP switchboard_requests_in_flight Requests being answered now.', '# TYPE switchboard_requests_in_flight gauge');
    lines.push(`switchboard_requests_in_flight ${this.#inFlight}`);
    lines.push(
      '# HELP switchboard_pipelined_requests_held_total Pipelined requests held behind their connection\'s bound (SWITCHBOARD_MAX_CONCURRENT_PER_CONNECTION) before they started.',
      '# TYPE switchboard_pipelined_requests_held_total counter',
      `switchboard_pipelined_requests_held_total ${this.#pipelinedHeld}`,
    );
    if (configVersion !== undefined) {
      lines.push('# HELP switchboard_config_version Version of the configuration snapshot being served.', '# TYPE switchboard_config_version gauge');
      lines.push(`switchboard_config_version ${configVersion}`);
    }
    if (usage !== undefined) renderUsage(lines, usage);
    return `${lines.join('\n')}\n`;
  }
}

/** `switchboard_usage_cost_usd_total`, `switchboard_usage_tokens_total` and `switchboard_usage_web_search_calls_total` per project and model. */
function renderUsage(lines: string[], usage: readonly UsageSeries[]): void {
  lines.push(
    '# HELP switchboard_usage_cost_usd_total Spend in USD of the recorded ledger rows (known prices only), by project and model.',
    '# TYPE switchboard_usage_cost_usd_total counter',
  );
  for (const series of usage) {
    lines.push(`switchboard_usage_cost_usd_total{${labelText(['project', 'model'], [series.project, series.model])}} ${picoToDecimal(series.costPico)}`);
  }
  lines.push(
    '# HELP switchboard_usage_tokens_total Tokens of the recorded ledger rows by project, model and bucket.',
    '# TYPE switchboard_usage_tokens_total counter',
  );
  for (const series of usage) {
    for (const bucket of TOKEN_BUCKETS) {
      lines.push(`switchboard_usage_tokens_total{${labelText(['project', 'model', 'bucket'], [series.project, series.model, bucket])}} ${series.tokens[bucket]}`);
    }
  }
  lines.push(
    '# HELP switchboard_usage_web_search_calls_total Server-side web searches the vendor billed, of the recorded ledger rows, by project and model.',
    '# TYPE switchboard_usage_web_search_calls_total counter',
  );
  for (const series of usage) {
    lines.push(`switchboard_usage_web_search_calls_total{${labelText(['project', 'model'], [series.project, series.model])}} ${series.webSearchCalls}`);
  }
}
