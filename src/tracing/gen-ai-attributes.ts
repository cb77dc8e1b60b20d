/**
 * The attributes of an upstream attempt's span, from the attempt and its settled ledger row:
 * OpenTelemetry's GenAI semantic conventions (gen_ai.*, v1.37+ names) plus Switchboard's own
 * (switchboard.*). https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 *
 * @module
 */
import type { UsageRowInsert } from '../db/sql/usage.js';
import type { UsageAttempt, UsageEndpoint } from '../usage/usage-attempt.js';

export type AttributeValue = string | number | boolean;
export type SpanAttributes = Record<string, AttributeValue>;

/** `gen_ai.operation.name` of each client API (Responses and Messages are chat-style generation). */
export function operationName(endpoint: UsageEndpoint): string {
  return endpoint === 'embeddings' ? 'embeddings' : 'chat';
}

/** The well-known `gen_ai.provider.name` of the built-in classes; other rows go by their name. */
const wellKnownProviders: Readonly<Record<string, string>> = {
  OpenAIProvider: 'openai',
  AnthropicProvider: 'anthropic',
  GoogleProvider: 'gcp.gemini',
  CohereProvider: 'cohere',
};

/**
 * `gen_ai.provider.name`: the vendor of a built-in class whose row points at that vendor's own API
 * (or a local stand-in), else the row's name (an OpenAI-compatible row is not OpenAI).
 */
export function providerName(className: string, rowName: string): string {
  return wellKnownProviders[className] ?? rowName;
}

/** `server.address` and `server.port` of a base URL (cached: a handful of providers). */
const servers = new Map<string, { address: string; port: number } | null>();

function serverOf(baseUrl: string | undefined): { address: string; port: number } | null {
  if (baseUrl === undefined) return null;
  let server = servers.get(baseUrl);
  if (server !== undefined) return server;
  try {
    const url = new URL(baseUrl);
    server = { address: url.hostname, port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port) };
  } catch {
    server = null;
  }
  if (servers.size < 1_000) servers.set(baseUrl, server);
  return server;
}

/** The attributes known when an attempt begins (available to samplers). */
export function attemptStartAttributes(attempt: UsageAttempt): SpanAttributes {
  const attributes: SpanAttributes = {
    'gen_ai.operation.name': operationName(attempt.endpoint),
    'gen_ai.provider.name': providerName(attempt.provider.className, attempt.provider.name),
    'gen_ai.request.model': attempt.model.modelId,
    'switchboard.model': attempt.model.name,
    'switchboard.requested_model': attempt.requestedModel,
    'switchboard.provider': attempt.provider.name,
    'switchboard.endpoint': attempt.endpoint,
    'switchboard.streamed': attempt.streamed,
    'switchboard.request_id': attempt.caller.requestId,
  };
  if (attempt.caller.projectId !== null) attributes['switchboard.project_id'] = attempt.caller.projectId;
  const server = serverOf(attempt.provider.baseUrl);
  if (server !== null) {
    attributes['server.address'] = server.address;
    attributes['server.port'] = server.port;
  }
  return attributes;
}

/** Route fields a ledger row may carry (set by routing when a route served the call). */
interface RouteFields {
  routeName?: string | null;
  routeVersion?: number | null;
  arm?: string | null;
  servedArm?: string | null;
  fallback?: boolean | null;
}

/** The attributes known when the attempt's row is settled: usage, cost, outcome. */
export function attemptEndAttributes(attempt: UsageAttempt, row: UsageRowInsert): SpanAttributes {
  const cacheCreation = row.cacheWrite5mTokens + row.cacheWrite1hTokens;
  const attributes: SpanAttributes = {
    // Cache reads and writes count in the input, reasoning in the output (the conventions' rule).
    'gen_ai.usage.input_tokens': row.inputTokens + row.cachedInputTokens + cacheCreation,
    'gen_ai.usage.output_tokens': row.outputTokens + row.reasoningTokens,
    'gen_ai.usage.cache_read.input_tokens': row.cachedInputTokens,
    'gen_ai.usage.cache_creation.input_tokens': cacheCreation,
    'gen_ai.usage.reasoning.output_tokens': row.reasoningTokens,
    'switchboard.attempt': row.attempt,
    'switchboard.status': row.status,
    'switchboard.usage_source': row.usageSource,
    'switchboard.incomplete': row.incomplete,
  };
  const responseModel = modelAttribute(attempt.responseModel);
  if (responseModel !== undefined) attributes['gen_ai.response.model'] = responseModel;
  if (row.costUsd !== null) attributes['switchboard.cost_usd'] = Number(row.costUsd);
  if (row.ttftMs !== null) attributes['switchboard.ttft_ms'] = round(row.ttftMs);
  if (row.upstreamMs !== null) attributes['switchboard.upstream_ms'] = round(row.upstreamMs);
  if (row.errorCode !== null) attributes['error.type'] = row.errorCode;
  const route = row as UsageRowInsert & RouteFields;
  if (typeof route.routeName === 'string') attributes['switchboard.route'] = route.routeName;
  if (typeof route.arm === 'string') attributes['switchboard.arm'] = route.arm;
  if (typeof route.routeVersion === 'number') attributes['switchboard.route_version'] = route.routeVersion;
  if (typeof route.servedArm === 'string') attributes['switchboard.served_arm'] = route.servedArm;
  if (typeof route.fallback === 'boolean') attributes['switchboard.fallback'] = route.fallback;
  return attributes;
}

/** Whether an attempt's row is a failure (the span's status is then ERROR). */
export function attemptFailed(row: UsageRowInsert): boolean {
  return row.errorCode !== null || row.status >= 500;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Model ids are short printable ASCII; the vendor's answer decides this one, so it is checked. */
const MODEL_ID = /^[\x21-\x7e]{1,256}$/;

/**
 * The vendor's `model` as an attribute, or undefined when it is not a plausible model id: a hostile
 * or broken upstream could answer megabytes there, held in the span queue while the collector is slow.
 */
export function modelAttribute(model: string | undefined): string | undefined {
  return model !== undefined && MODEL_ID.test(model) ? model : undefined;
}
