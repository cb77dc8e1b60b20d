/**
 * OpenAI Responses wire body → what the route needs, validated by hand like chat completions: a bad
 * field answers 400 naming it (with `param`).
 *
 * Stateless: `previous_response_id`, `store: true`, `conversation`, `background: true` and
 * `item_reference` input items need responses kept on the server, which Switchboard does not do;
 * they are refused with 400 saying so (`store: false` or no `store` is accepted). The rest of the
 * checks apply on both paths: the native one (an OpenAI-class model called on its own
 * /v1/responses, body passed unchanged) and the normalized one (any other model, through
 * `parseResponsesRequest`).
 *
 * @module
 */
import type { ReasoningEffort } from '../../providers/spec/index.js';
import type { PublicChatRequest } from '../../service/ai-service.js';
import { invalid, isObject, optionalBoolean, optionalInteger, optionalNumber, optionalString, requiredString, unsupported, type JsonObject } from '../field-checks.js';
import { INBOUND_DEFAULTS } from '../../inbound-config.js';
import type { ChatRequestLimits } from '../parse-chat-request.js';
import { itemReferenceRefused, parseResponsesInput } from './parse-responses-input.js';
import { parseResponsesTextFormat, parseResponsesToolChoice, parseResponsesTools } from './parse-responses-tools.js';

const MAX_TOKENS_LIMIT = 100_000_000;
/**
 * OpenAI's efforts (`ReasoningEffort` in its SDK). The normalized path serves `max` as `xhigh`, also
 * on an OpenAI-compatible chat row (a translation, unlike chat completions, which passes `max` on).
 */
export type ResponsesEffort = ReasoningEffort;
const efforts: readonly ResponsesEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
const summaries = ['auto', 'concise', 'detailed'];

/** What every request is checked for, on both paths. */
export interface ResponsesBasics {
  model: string;
  stream: boolean;
}

/** A request for the normalized path, and what the `response` object echoes back. */
export interface ParsedResponsesRequest extends ResponsesBasics {
  request: PublicChatRequest;
  echo: ResponseEcho;
  /** Fields the serving vendor may understand natively, by their chat-completions name. */
  nativeFields: Record<string, unknown>;
}

/** Request fields the `response` object repeats (OpenAI's answer does). */
export interface ResponseEcho {
  /** The public model name. */
  model: string;
  instructions: string | null;
  tools: JsonObject[];
  toolChoice: unknown;
  parallelToolCalls: boolean;
  metadata: Record<string, string>;
  temperature: number | null;
  topP: number | null;
  maxOutputTokens: number | null;
  text: JsonObject;
  /** As the client sent it (`max` included). */
  reasoning: { effort: ResponsesEffort | null; summary: string | null } | null;
  user: string | undefined;
}

/** The checks shared by both paths; throws 400 naming the first bad field. */
export function checkResponsesBasics(body: JsonObject, limits: ChatRequestLimits = INBOUND_DEFAULTS): ResponsesBasics {
  const model = requiredString(body, 'model');
  refuseStateful(body);
  const input = body['input'];
  if (input === undefined || input === null) throw invalid('input', 'is required');
  if (typeof input !== 'string' && !Array.isArray(input)) throw invalid('input', 'must be a string or an array of input items');
  // The chat caps, on both paths: an input item is at most one message, a tool is a tool.
  if (Array.isArray(input) && input.length > limits.maxMessages) {
    throw invalid('input', `may hold at most ${limits.maxMessages} items (SWITCHBOARD_MAX_MESSAGES), got ${input.length}`);
  }
  if (Array.isArray(input)) refuseItemReferences(input);
  const tools = body['tools'];
  if (Array.isArray(tools) && tools.length > limits.maxTools) {
    throw invalid('tools', `may hold at most ${limits.maxTools} tools (SWITCHBOARD_MAX_TOOLS), got ${tools.length}`);
  }
  optionalString(body, 'instructions');
  optionalNumber(body, 'temperature', 0, 2);
  optionalNumber(body, 'top_p', 0, 1);
  optionalInteger(body, 'max_output_tokens', 1, MAX_TOKENS_LIMIT);
  optionalBoolean(body, 'parallel_tool_calls');
  optionalString(body, 'user');
  parseMetadata(body['metadata']);
  parseReasoning(body['reasoning']);
  parseResponsesTextFormat(body['text']);
  return { model, stream: optionalBoolean(body, 'stream') ?? false };
}

/** Everything the normalized path needs; runs `checkResponsesBasics` first. */
export function parseResponsesRequest(body: JsonObject, limits: ChatRequestLimits = INBOUND_DEFAULTS): ParsedResponsesRequest {
  const basics = checkResponsesBasics(body, limits);
  refuseUnsupported(body);
  const instructions = optionalString(body, 'instructions');
  const request: PublicChatRequest = { model: basics.model, messages: parseResponsesInput(body['input'], instructions) };
  const tools = parseResponsesTools(body['tools']);
  if (tools !== undefined) request.tools = tools;
  const toolChoice = parseResponsesToolChoice(body['tool_choice']);
  const parallelToolCalls = optionalBoolean(body, 'parallel_tool_calls');
  // The Responses API takes these without tools (Codex sends them beside a web_search that is left
  // out here); chat-completions servers answer 400 "only allowed when 'tools' are specified". Without
  // a tool, `auto` and `none` mean the same as no choice: left out. A forcing choice still goes.
  if (toolChoice !== undefined && (tools !== undefined || (toolChoice !== 'auto' && toolChoice !== 'none'))) request.toolChoice = toolChoice;
  if (parallelToolCalls !== undefined && tools !== undefined) request.parallelToolCalls = parallelToolCalls;
  const responseFormat = parseResponsesTextFormat(body['text']);
  if (responseFormat !== undefined) request.responseFormat = responseFormat;
  const temperature = optionalNumber(body, 'temperature', 0, 2);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', 0, 1);
  if (topP !== undefined) request.topP = topP;
  const maxOutputTokens = optionalInteger(body, 'max_output_tokens', 1, MAX_TOKENS_LIMIT);
  if (maxOutputTokens !== undefined) request.maxTokens = maxOutputTokens;
  const user = optionalString(body, 'user');
  if (user !== undefined) request.user = user;
  const reasoning = parseReasoning(body['reasoning']);
  // `max` → `xhigh`, the highest effort the other vendors know (as /v1/messages maps Anthropic's `max`).
  if (reasoning?.effort) request.reasoning = { effort: reasoning.effort === 'max' ? 'xhigh' : reasoning.effort };

  const echo: ResponseEcho = {
    model: basics.model,
    instructions: instructions ?? null,
    tools: (tools ?? []).map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })),
    toolChoice: toolChoice === undefined ? 'auto' : typeof toolChoice === 'string' ? toolChoice : { type: 'function', name: toolChoice.name },
    parallelToolCalls: parallelToolCalls ?? true,
    metadata: parseMetadata(body['metadata']) ?? {},
    temperature: temperature ?? null,
    topP: topP ?? null,
    maxOutputTokens: maxOutputTokens ?? null,
    text: echoText(body['text']),
    reasoning: reasoning ? { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null } : null,
    user,
  };
  return { ...basics, request, echo, nativeFields: nativeFieldsOf(body) };
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function refuseStateful(body: JsonObject): void {
  const stateless = 'Switchboard is stateless: it does not keep responses';
  if (present(body['previous_response_id'])) {
    throw unsupported('previous_response_id', `is not supported. ${stateless}; send the whole conversation in input (with store: false or no store).`);
  }
  const store = body['store'];
  if (present(store) && typeof store !== 'boolean') throw invalid('store', 'must be a boolean');
  if (store === true) throw unsupported('store', `true is not supported. ${stateless}; send store: false or leave it out.`);
  if (present(body['conversation'])) throw unsupported('conversation', `is not supported. ${stateless}; send the whole conversation in input.`);
  const background = body['background'];
  if (present(background) && typeof background !== 'boolean') throw invalid('background', 'must be a boolean');
  if (background === true) throw unsupported('background', `true is not supported. ${stateless}, so it cannot run one in the background.`);
}

/**
 * `item_reference` items name an item kept on the server, which Switchboard never has: refused on
 * both paths before any upstream call (OpenAI itself would answer 404 under `store: false`). The
 * reference's `type` is optional in OpenAI's schema, so an item with an `id`, no `role` and no
 * `type` (or a null one) is one too; the native path would send it upstream as written.
 */
function refuseItemReferences(input: readonly unknown[]): void {
  for (let index = 0; index < input.length; index++) {
    const item: unknown = input[index];
    if (!isObject(item)) continue;
    const type = item['type'];
    const untyped = (type === undefined || type === null) && item['id'] !== undefined && item['role'] === undefined;
    if (type === 'item_reference' || untyped) throw itemReferenceRefused(`input[${index}]`);
  }
}

/** Fields that would change the answer and have no normalized place (the native path passes them). */
function refuseUnsupported(body: JsonObject): void {
  if (present(body['prompt'])) throw unsupported('prompt', '(a stored prompt template) is only supported for models served on OpenAI\'s own Responses API');
  const topLogprobs = body['top_logprobs'];
  if (present(topLogprobs) && topLogprobs !== 0) throw unsupported('top_logprobs', 'is only supported for models served on OpenAI\'s own Responses API');
  const include = body['include'];
  if (present(include)) {
    if (!Array.isArray(include)) throw invalid('include', 'must be an array of strings');
    if (include.includes('message.output_text.logprobs')) {
      throw unsupported('include', "'message.output_text.logprobs' is only supported for models served on OpenAI's own Responses API");
    }
  }
}

function parseMetadata(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid('metadata', 'must be an object of string values');
  const entries = Object.entries(value);
  if (entries.length > 16) throw invalid('metadata', `may hold at most 16 keys, got ${entries.length}`);
  for (const [key, entry] of entries) {
    if (key.length > 64) throw invalid('metadata', 'keys must be at most 64 characters');
    if (typeof entry !== 'string') throw invalid(`metadata.${key}`, 'must be a string');
    if (entry.length > 512) throw invalid(`metadata.${key}`, 'must be at most 512 characters');
  }
  return value as Record<string, string>;
}

function parseReasoning(value: unknown): { effort?: ResponsesEffort; summary?: string } | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid('reasoning', 'must be an object');
  const result: { effort?: ResponsesEffort; summary?: string } = {};
  const effort = value['effort'];
  if (present(effort)) {
    if (!efforts.includes(effort as ResponsesEffort)) throw invalid('reasoning.effort', `must be one of ${efforts.map((name) => `'${name}'`).join(', ')}`);
    result.effort = effort as ResponsesEffort;
  }
  for (const field of ['summary', 'generate_summary']) {
    const summary = value[field];
    if (!present(summary)) continue;
    if (typeof summary !== 'string' || !summaries.includes(summary)) throw invalid(`reasoning.${field}`, "must be one of 'auto', 'concise', 'detailed'");
    result.summary = summary;
  }
  return result;
}

/** The `text` object as OpenAI echoes it: the format (default `{type: 'text'}`) and any verbosity. */
function echoText(text: unknown): JsonObject {
  const format = isObject(text) && isObject(text['format']) ? text['format'] : { type: 'text' };
  const verbosity = isObject(text) ? text['verbosity'] : undefined;
  return typeof verbosity === 'string' ? { format, verbosity } : { format };
}

/** Fields with no normalized place that an OpenAI-family vendor understands under these names. */
function nativeFieldsOf(body: JsonObject): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const field of ['service_tier', 'prompt_cache_key', 'safety_identifier']) if (present(body[field])) fields[field] = body[field];
  const text = body['text'];
  if (isObject(text) && present(text['verbosity'])) fields['verbosity'] = text['verbosity'];
  return fields;
}
