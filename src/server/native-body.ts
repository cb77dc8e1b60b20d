/**
 * The client's body for a native call (`/v1/messages` → Anthropic, `/v1/responses` → OpenAI) with
 * the model row's `native_fields` rules applied, before any upstream call: the top-level fields the
 * gateway does not interpret go through the native-fields rule with its secure defaults
 * (`native-field-defaults.ts`), the same as on chat completions, and vendor tools through the tool
 * rules (`native-tool-rules.ts`). Everything else reaches the vendor as sent.
 *
 * @module
 */
import type { ModelEntry } from '../registry/provider-registry.js';
import type { JsonObject } from './field-checks.js';
import { ruledTopLevel } from './native-field-defaults.js';
import { ruledTools } from './native-tool-rules.js';

/**
 * Top-level Responses fields the gateway interprets on either path (checked, forced, or mapped):
 * the row's rules are not asked about them. Every other field (`service_tier`, `prompt`,
 * `max_tool_calls`, `truncation`, `prompt_cache_key`, `top_logprobs`, unknown fields…) is native.
 */
const RESPONSES_INTERPRETED: ReadonlySet<string> = new Set([
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'text', 'temperature', 'top_p',
  'max_output_tokens', 'reasoning', 'metadata', 'user', 'stream', 'store', 'include', 'previous_response_id',
  'conversation', 'background',
]);

/** A `/v1/messages` body for an Anthropic row; `extras`: the top-level fields the Messages parser does not interpret. */
export function ruledMessagesBody(body: JsonObject, extras: Record<string, unknown>, model: ModelEntry): JsonObject {
  return ruledTools(ruledTopLevel(body, extras, model, 'anthropic'), model, 'anthropic-messages');
}

/** A `/v1/responses` body for a row served on the vendor's own Responses API. */
export function ruledResponsesBody(body: JsonObject, model: ModelEntry): JsonObject {
  const fields: Record<string, unknown> = {};
  // A body key `__proto__` would become the prototype of `fields`, not a field: left to the vendor.
  for (const field in body) if (!RESPONSES_INTERPRETED.has(field) && field !== '__proto__') fields[field] = body[field];
  return ruledTools(ruledTopLevel(body, fields, model, 'openai'), model, 'openai-responses');
}
