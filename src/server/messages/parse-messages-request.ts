/**
 * Anthropic Messages wire body → checked fields and the normalized `PublicChatRequest`, by hand
 * (no zod on the hot path). A known field with a wrong type or range is a 400
 * `invalid_request_error` naming it, whoever serves the model. What only Anthropic can honour is
 * recorded in `deferred` (refused later, for other vendors only), and top-level fields Switchboard
 * does not interpret are returned in `extras` for the native-fields rule.
 *
 * Mapping: `system` → one system message (text blocks joined by a blank line); `max_tokens` →
 * `maxTokens`; `stop_sequences` → `stop`; `top_k` → `topK`; `metadata.user_id` → `user`;
 * `tool_choice` `auto|any|tool|none` → `auto|required|{name}|none`, `disable_parallel_tool_use` →
 * `parallelToolCalls: false`; `thinking` `enabled` → `reasoning.budgetTokens`, `adaptive` →
 * `reasoning.effort` (`output_config.effort`, else medium), `disabled` → nothing;
 * `output_config.format` (json_schema) → `responseFormat`.
 *
 * @module
 */
import type { ReasoningEffort, ReasoningOptions, ToolChoice, ToolDefinition } from '../../providers/spec/index.js';
import type { PublicChatRequest } from '../../service/ai-service.js';
import {
  invalid,
  isObject,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalString,
  requiredString,
  type JsonObject,
} from '../field-checks.js';
import { INBOUND_DEFAULTS } from '../../inbound-config.js';
import type { ChatRequestLimits } from '../parse-chat-request.js';
import { cacheControl, defer, parseMessagesContent, type Deferred } from './parse-messages-content.js';

export interface ParsedMessagesRequest {
  /** The public model name. */
  model: string;
  stream: boolean;
  /** The normalized request, for models whose provider does not speak the Messages API. */
  chat: PublicChatRequest;
  /** What only an Anthropic model can serve (the first such thing), refused for other vendors. */
  deferred: Deferred;
  /** Top-level fields Switchboard does not interpret, as sent (wire name → value). */
  extras: Record<string, unknown>;
}

const KNOWN_FIELDS = new Set([
  'model', 'max_tokens', 'messages', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p', 'top_k',
  'tools', 'tool_choice', 'thinking', 'output_config',
]);
const MAX_TOKENS_LIMIT = 100_000_000;
/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;

/**
 * Parses a `/v1/messages` body (`countTokens`: a `/v1/messages/count_tokens` body, where
 * `max_tokens` is optional and `stream` is ignored).
 */
export function parseMessagesRequest(body: JsonObject, countTokens = false, limits: ChatRequestLimits = INBOUND_DEFAULTS): ParsedMessagesRequest {
  const model = requiredString(body, 'model');
  const deferred: Deferred = { error: undefined };
  const maxTokens = countTokens
    ? optionalInteger(body, 'max_tokens', 1, MAX_TOKENS_LIMIT)
    : requiredInteger(body, 'max_tokens', 1, MAX_TOKENS_LIMIT);
  const chat: PublicChatRequest = { model, messages: parseMessagesContent(body['messages'], deferred, limits.maxMessages) };
  const system = parseSystem(body['system']);
  if (system !== undefined) chat.messages.unshift(system);
  if (maxTokens !== undefined) chat.maxTokens = maxTokens;

  const tools = parseTools(body['tools'], deferred, limits.maxTools);
  if (tools !== undefined) chat.tools = tools;
  parseToolChoice(body['tool_choice'], chat);
  const stop = parseStopSequences(body['stop_sequences']);
  if (stop !== undefined) chat.stop = stop;
  const temperature = optionalNumber(body, 'temperature', 0, 1);
  if (temperature !== undefined) chat.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', 0, 1);
  if (topP !== undefined) chat.topP = topP;
  const topK = optionalInteger(body, 'top_k', 0, MAX_TOKENS_LIMIT);
  if (topK !== undefined) chat.topK = topK;
  const effort = parseOutputConfig(body['output_config'], chat, deferred);
  const reasoning = parseThinking(body['thinking'], maxTokens, effort);
  if (reasoning !== undefined) chat.reasoning = reasoning;
  const user = parseMetadata(body['metadata']);
  if (user !== undefined) chat.user = user;
  const stream = countTokens ? false : (optionalBoolean(body, 'stream') ?? false);

  const extras: Record<string, unknown> = {};
  for (const field of Object.keys(body)) {
    // A body key `__proto__` would become the prototype of `extras`, not a field: left to the vendor.
    if (!KNOWN_FIELDS.has(field) && field !== '__proto__') extras[field] = body[field];
  }
  return { model, stream, chat, deferred, extras };
}

function requiredInteger(body: JsonObject, field: string, min: number, max: number): number {
  const value = optionalInteger(body, field, min, max);
  if (value === undefined) throw invalid(field, 'is required');
  return value;
}

function parseSystem(value: unknown): PublicChatRequest['messages'][number] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : { role: 'system', content: value };
  if (!Array.isArray(value)) throw invalid('system', 'must be a string or an array of text blocks');
  const texts: string[] = [];
  for (let index = 0; index < value.length; index++) {
    const block: unknown = value[index];
    const path = `system.${index}`;
    if (!isObject(block) || block['type'] !== 'text') throw invalid(path, "must be a text block {type: 'text', text}");
    const text = block['text'];
    if (typeof text !== 'string') throw invalid(`${path}.text`, 'must be a string');
    cacheControl(block, path);
    texts.push(text);
  }
  return texts.length === 0 ? undefined : { role: 'system', content: texts.join('\n\n') };
}

function parseTools(value: unknown, deferred: Deferred, maxTools: number): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('tools', 'must be an array of tools');
  if (value.length > maxTools) throw invalid('tools', `may hold at most ${maxTools} tools (SWITCHBOARD_MAX_TOOLS), got ${value.length}`);
  const tools: ToolDefinition[] = [];
  for (let index = 0; index < value.length; index++) {
    const path = `tools.${index}`;
    const tool: unknown = value[index];
    if (!isObject(tool)) throw invalid(path, 'must be an object {name, description?, input_schema}');
    const name = requiredString(tool, 'name', `${path}.name`);
    const type = tool['type'];
    if (type !== undefined && type !== null && type !== 'custom') {
      if (typeof type !== 'string') throw invalid(`${path}.type`, 'must be a string');
      defer(deferred, `${path}.type`, `the server tool '${type}'`);
      continue;
    }
    const schema = tool['input_schema'];
    if (!isObject(schema)) throw invalid(`${path}.input_schema`, 'must be a JSON Schema object');
    const definition: ToolDefinition = { name, parameters: schema };
    const description = optionalString(tool, 'description', `${path}.description`);
    if (description !== undefined) definition.description = description;
    const strict = optionalBoolean(tool, 'strict', `${path}.strict`);
    if (strict !== undefined) definition.strict = strict;
    const cache = cacheControl(tool, path);
    if (cache !== undefined) definition.cacheControl = cache;
    tools.push(definition);
  }
  return tools.length === 0 ? undefined : tools;
}

function parseToolChoice(value: unknown, chat: PublicChatRequest): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) throw invalid('tool_choice', "must be an object {type: 'auto' | 'any' | 'tool' | 'none'}");
  let choice: ToolChoice;
  switch (value['type']) {
    case 'auto':
      choice = 'auto';
      break;
    case 'any':
      choice = 'required';
      break;
    case 'none':
      choice = 'none';
      break;
    case 'tool':
      choice = { name: requiredString(value, 'name', 'tool_choice.name') };
      break;
    default:
      throw invalid('tool_choice.type', "must be one of 'auto', 'any', 'tool', 'none'");
  }
  chat.toolChoice = choice;
  if (optionalBoolean(value, 'disable_parallel_tool_use', 'tool_choice.disable_parallel_tool_use') === true) chat.parallelToolCalls = false;
}

function parseStopSequences(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('stop_sequences', 'must be an array of strings');
  for (let index = 0; index < value.length; index++) {
    if (typeof value[index] !== 'string') throw invalid(`stop_sequences.${index}`, 'must be a string');
  }
  return value.length === 0 ? undefined : (value as string[]);
}

/**
 * `thinking`, with `output_config.effort` (`effort`): `enabled` → its budget; `adaptive` → the
 * effort (medium when none is given); no `thinking` → the effort when one is given; `disabled` →
 * no reasoning.
 */
function parseThinking(value: unknown, maxTokens: number | undefined, effort: ReasoningEffort | undefined): ReasoningOptions | undefined {
  if (value === undefined || value === null) return effort === undefined ? undefined : { effort };
  if (!isObject(value)) throw invalid('thinking', "must be an object {type: 'enabled', budget_tokens} | {type: 'disabled'} | {type: 'adaptive'}");
  switch (value['type']) {
    case 'enabled': {
      const budget = optionalInteger(value, 'budget_tokens', MIN_THINKING_BUDGET, MAX_TOKENS_LIMIT, 'thinking.budget_tokens');
      if (budget === undefined) throw invalid('thinking.budget_tokens', 'is required');
      if (maxTokens !== undefined && budget >= maxTokens) {
        throw invalid('thinking.budget_tokens', `must be less than max_tokens (${maxTokens}), got ${budget}`);
      }
      return { budgetTokens: budget };
    }
    case 'adaptive':
      return { effort: effort ?? 'medium' };
    case 'disabled':
      return undefined;
    default:
      throw invalid('thinking.type', "must be one of 'enabled', 'disabled', 'adaptive'");
  }
}

const EFFORTS: Readonly<Record<string, ReasoningEffort>> = { low: 'low', medium: 'medium', high: 'high', xhigh: 'xhigh', max: 'xhigh' };

/**
 * `output_config` (Claude Code sends it with adaptive thinking): `effort` → the reasoning effort
 * (`max` → `xhigh`, the highest the other vendors know); `format: {type: 'json_schema', schema}`
 * (structured outputs) → `responseFormat` json_schema. Anything else in it (a future setting) is
 * left to Anthropic: refused (400 naming it) only when another vendor serves the request.
 */
function parseOutputConfig(value: unknown, chat: PublicChatRequest, deferred: Deferred): ReasoningEffort | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid('output_config', 'must be an object {effort?, format?}');
  let effort: ReasoningEffort | undefined;
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (field === undefined || field === null) continue;
    if (key === 'effort') {
      effort = typeof field === 'string' && Object.hasOwn(EFFORTS, field) ? EFFORTS[field] : undefined;
      if (effort === undefined) defer(deferred, 'output_config.effort', `the effort ${JSON.stringify(field).slice(0, 40)}`);
    } else if (key === 'format' && isObject(field) && field['type'] === 'json_schema' && isObject(field['schema'])) {
      chat.responseFormat = { type: 'json_schema', name: 'response', schema: field['schema'], strict: true };
    } else {
      defer(deferred, `output_config.${key}`, 'this setting');
    }
  }
  return effort;
}

function parseMetadata(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid('metadata', 'must be an object {user_id?}');
  for (const key of Object.keys(value)) {
    if (key !== 'user_id') throw invalid(`metadata.${key}`, 'is not a known field (only user_id)');
  }
  return optionalString(value, 'user_id', 'metadata.user_id');
}
