/**
 * Loads the OpenTelemetry implementation only when tracing is on: with it off, no module of
 * OpenTelemetry is ever imported (the packages are optional dependencies). When they are missing,
 * the gateway serves without tracing and says so.
 *
 * @module
 */
import type * as OtelTracing from './otel-tracing.js';
import type { Tracing, TracingLog } from './tracing.js';
import { displayUrl, type TracingSettings } from './tracing-settings.js';

/** The packages tracing needs (optionalDependencies in package.json). */
export const OTEL_PACKAGES = ['@opentelemetry/api', '@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/resources'];

/** The tracing of `settings`, or undefined when they are undefined (tracing off) or OpenTelemetry is not installed. */
export async function loadTracing(settings: TracingSettings | undefined, log: TracingLog): Promise<Tracing | undefined> {
  if (settings === undefined) return undefined;
  for (const warning of settings.warnings) log('warn', warning);
  let implementation: typeof OtelTracing;
  try {
    implementation = await import('./otel-tracing.js');
  } catch (error) {
    if (!isMissingModule(error)) throw error;
    log('warn', `tracing is off: OpenTelemetry is not installed (npm install ${OTEL_PACKAGES.join(' ')})`);
    return undefined;
  }
  const tracing = implementation.createOtelTracing(settings, log);
  log('info', `tracing on: spans to ${displayUrl(settings.url)} (OTLP/HTTP JSON)`);
  return tracing;
}

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

