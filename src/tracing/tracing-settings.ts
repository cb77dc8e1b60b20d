/**
 * When tracing is on, and where spans go, from the standard OpenTelemetry variables plus
 * Switchboard's switch. Off unless an OTLP endpoint is set; nothing of OpenTelemetry is loaded
 * when off (see load-tracing.ts).
 *
 * @module
 */
import { onOff } from '../config.js';
import { SwitchboardError } from '../errors.js';

export interface TracingSettings {
  /** Where spans are POSTed (OTLP/HTTP, JSON): the traces endpoint, or the endpoint + `/v1/traces`. */
  url: string;
  /** `service.name` of the spans (OTEL_SERVICE_NAME, default `switchboard`). */
  serviceName: string;
  /** Send the attempt span's `traceparent` to the vendor (SWITCHBOARD_OTEL_PROPAGATE, default on). */
  propagateUpstream: boolean;
  /** The share of traces kept, 0 to 1 (OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, default 1). */
  sampleRatio: number;
  /**
   * Follow the sampled flag of the client's `traceparent` (SWITCHBOARD_OTEL_TRUST_CLIENT_SAMPLING,
   * default off): only behind an edge that sets or checks the header. Off, `sampleRatio` decides.
   */
  trustClientSampling: boolean;
  /** How long shutdown waits for the last spans (default 5 s; for tests). */
  shutdownMs?: number;
  /** Things worth a warning at start (e.g. a protocol other than http/json asked for). */
  warnings: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The tracing settings, or undefined when tracing is off: no OTLP endpoint, or
 * `SWITCHBOARD_OTEL=off`, `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
 * `SWITCHBOARD_OTEL=on` without an endpoint is a configuration error.
 */
export function tracingSettings(env: Env): TracingSettings | undefined {
  const flag = value(env, 'SWITCHBOARD_OTEL')?.toLowerCase();
  if (flag !== undefined && !['on', 'off', '1', '0', 'true', 'false'].includes(flag)) {
    throw new SwitchboardError('invalid_request', `SWITCHBOARD_OTEL must be on or off, got '${env['SWITCHBOARD_OTEL']}'`);
  }
  const forced = flag === 'on' || flag === '1' || flag === 'true';
  if (flag === 'off' || flag === '0' || flag === 'false') return undefined;
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true' || value(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase() === 'none') return undefined;
  const tracesEndpoint = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (tracesEndpoint === undefined && endpoint === undefined) {
    if (forced) {
      throw new SwitchboardError('invalid_request', 'SWITCHBOARD_OTEL=on needs OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), e.g. http://127.0.0.1:4318');
    }
    return undefined;
  }
  const url = tracesEndpoint ?? `${(endpoint ?? '').replace(/\/+$/, '')}/v1/traces`;
  checkUrl(url, tracesEndpoint === undefined ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const warnings: string[] = [];
  const protocol = value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'http/json') {
    warnings.push(`tracing: OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported; spans are sent as OTLP/HTTP JSON (http/json) to ${displayUrl(url)}`);
  }
  return {
    url,
    serviceName: value(env, 'OTEL_SERVICE_NAME') ?? 'switchboard',
    propagateUpstream: onOff(env, 'SWITCHBOARD_OTEL_PROPAGATE', true),
    sampleRatio: sampleRatio(env),
    trustClientSampling: onOff(env, 'SWITCHBOARD_OTEL_TRUST_CLIENT_SAMPLING', false),
    warnings,
  };
}

/**
 * The ratio of OTEL_TRACES_SAMPLER: 1 for `always_on`, 0 for `always_off`, OTEL_TRACES_SAMPLER_ARG
 * (default 1) for `traceidratio`; a `parentbased_` prefix names the same ratio (whether a client's
 * flag counts is SWITCHBOARD_OTEL_TRUST_CLIENT_SAMPLING's call). Other samplers are refused.
 */
function sampleRatio(env: Env): number {
  const sampler = value(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase() ?? 'parentbased_always_on';
  switch (sampler.startsWith('parentbased_') ? sampler.slice('parentbased_'.length) : sampler) {
    case 'always_on':
      return 1;
    case 'always_off':
      return 0;
    case 'traceidratio': {
      const raw = value(env, 'OTEL_TRACES_SAMPLER_ARG');
      if (raw === undefined) return 1;
      const ratio = Number(raw);
      if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
        throw new SwitchboardError('invalid_request', `OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got '${raw}'`);
      }
      return ratio;
    }
    default:
      throw new SwitchboardError(
        'invalid_request',
        `OTEL_TRACES_SAMPLER must be always_on, always_off or traceidratio (with or without the parentbased_ prefix), got '${env['OTEL_TRACES_SAMPLER']}'`,
      );
  }
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function checkUrl(url: string, name: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: a token may be in it, and this error is printed at start.
    throw new SwitchboardError('invalid_request', `${name} must be an http(s) URL; its value is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SwitchboardError('invalid_request', `${name} must be an http(s) URL, got '${displayUrl(url)}'`);
  }
}

/**
 * The collector URL as logs show it: no user, no password, and no query (collectors that take a
 * token in the URL take it there: `?api-key=`); `?…` says a query was left out.
 */
export function displayUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(not a URL)';
  }
  const query = parsed.search !== '';
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  return `${parsed.toString()}${query ? '?…' : ''}`;
}
