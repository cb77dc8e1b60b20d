/**
 * The chat-completions surface's part of the native-fields rule: which top-level fields the
 * gateway interprets, which it can never honour, and which change the answer when dropped.
 *
 * Every other field is vendor-native: it reaches an OpenAI-family row unchanged (`logprobs`,
 * `top_logprobs`, `prompt_cache_key`, `safety_identifier`, `verbosity`, and fields newer than this
 * gateway); for other families it is refused with 400 naming it when dropping it changes the answer,
 * else dropped; a model row overrides that per field. Secure defaults (`native-field-defaults.ts`)
 * hold back what the row does not pass: `store` and `metadata` are dropped, a `service_tier` other
 * than `auto`/`default` and `web_search_options` are refused.
 *
 * @module
 */
import type { NativeFields, ProviderFamily } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { isObject, unsupported, type JsonObject } from './field-checks.js';
import { routeGuardedFields } from './native-field-defaults.js';

/** Fields parseChatRequest maps into the normalized request. */
const interpreted = new Set([
  'model', 'messages', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'temperature', 'top_p',
  'max_completion_tokens', 'max_tokens', 'stop', 'seed', 'presence_penalty', 'frequency_penalty', 'n', 'user',
  'stream', 'stream_options', 'reasoning_effort',
]);

/**
 * Refuses what no vendor can give back through this gateway: legacy function calling and audio
 * output (the normalized answer has no place for them).
 */
export function refuseUnrepresentable(body: JsonObject): void {
  if (Array.isArray(body['functions']) && body['functions'].length > 0) {
    throw unsupported('functions', 'is not supported (legacy function calling); use tools');
  }
  if (present(body['function_call'])) throw unsupported('function_call', 'is not supported (legacy function calling); use tool_choice');
  if (present(body['audio'])) throw unsupported('audio', 'output is not supported by this gateway');
  const modalities = body['modalities'];
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== 'text')) {
    throw unsupported('modalities', "other than ['text'] are not supported by this gateway");
  }
}

/** The top-level fields the gateway does not interpret, as sent (null values left out). */
export function collectNativeFields(body: JsonObject): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  // for…in over a parsed body lists its own keys, in order, without an array of pairs per request.
  for (const field in body) {
    // A body key `__proto__` would become the prototype of `fields`, not a field: no API has it.
    if (interpreted.has(field) || field === '__proto__') continue;
    const value = body[field];
    if (value !== null && value !== undefined) fields[field] = value;
  }
  return fields;
}

/**
 * Whether dropping a field changes what the answer means: asked-for log probabilities, predicted
 * outputs, a token bias, web search. Everything else (store, metadata, service_tier, caching and
 * safety hints, verbosity, unknown fields) only tunes how the vendor serves the same answer.
 */
export function changesChatAnswer(field: string, value: unknown): boolean {
  switch (field) {
    case 'logprobs':
      return value === true;
    case 'top_logprobs':
    case 'prediction':
    case 'web_search_options':
      return true;
    case 'modalities':
      // ['text'] is every vendor's default (other modalities are refused before this).
      return !(Array.isArray(value) && value.every((modality) => modality === 'text'));
    case 'logit_bias':
      return isObject(value) && Object.keys(value).length > 0;
    default:
      return false;
  }
}

/** The native fields of a chat request for the serving model (throws 400 naming a refused field). */
export function chatNativeFields(fields: Record<string, unknown>, model: ModelEntry, servingFamily: ProviderFamily | undefined): NativeFields | undefined {
  return routeGuardedFields(fields, { from: 'openai', servingFamily, model, changesAnswer: changesChatAnswer });
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}
