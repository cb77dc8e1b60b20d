/**
 * OpenAI chat-completions wire body → `PublicChatRequest`, validated by hand (no zod on the hot
 * path). A bad field answers 400 `invalid_request` naming it, with `param` set.
 *
 * Fields no vendor can give back through the gateway (`functions`, `function_call`, `audio`,
 * non-text `modalities`) are refused with 400 `unsupported_feature` naming the field. Every other
 * field the gateway does not interpret is vendor-native (`nativeFields`): the route passes it to an
 * OpenAI-family row unchanged, or applies the refuse/drop rule for other families (see
 * chat-native-fields.ts). `reasoning_effort` becomes the normalized reasoning control (`max`
 * included: an OpenAI-family row gets it as sent, other vendors serve it as `xhigh`).
 *
 * @module
 */
import { INBOUND_DEFAULTS } from '../inbound-config.js';
import type { ReasoningEffort, ResponseFormat, ToolChoice, ToolDefinition } from '../providers/spec/index.js';
import { collectNativeFields, refuseUnrepresentable } from './chat-native-fields.js';
import type { PublicChatRequest } from '../service/ai-service.js';
import {
  clip,
  invalid,
  isObject,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalString,
  requiredString,
  unsupported,
  type JsonObject,
} from './field-checks.js';
import { parseChatMessages, type MessageLimits } from './parse-chat-messages.js';
import { parseFormatObject } from './parse-format-object.js';

/** Element caps of a chat body (the gateway passes its config). */
export interface ChatRequestLimits extends MessageLimits {
  maxTools: number;
}

export interface ParsedChatRequest {
  request: PublicChatRequest;
  stream: boolean;
  /** `stream_options.include_usage`: send a final `choices: []` chunk with the usage. */
  includeUsage: boolean;
  /** Top-level fields the gateway does not interpret, for the native-fields rule (see chat-native-fields.ts). */
  nativeFields: Record<string, unknown>;
}

/** OpenAI's efforts (`ReasoningEffort` in its SDK, `max` included, as on /v1/responses). */
const reasoningEfforts: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

const MAX_TOKENS_LIMIT = 100_000_000;

export function parseChatRequest(body: JsonObject, limits: ChatRequestLimits = INBOUND_DEFAULTS): ParsedChatRequest {
  const model = requiredString(body, 'model');
  refuseUnrepresentable(body);
  const request: PublicChatRequest = { model, messages: parseChatMessages(body['messages'], limits) };

  const tools = parseTools(body['tools'], limits.maxTools);
  if (tools !== undefined) request.tools = tools;
  const toolChoice = parseToolChoice(body['tool_choice']);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const parallelToolCalls = optionalBoolean(body, 'parallel_tool_calls');
  if (parallelToolCalls !== undefined) request.parallelToolCalls = parallelToolCalls;
  const responseFormat = parseResponseFormat(body['response_format']);
  if (responseFormat !== undefined) request.responseFormat = responseFormat;

  const temperature = optionalNumber(body, 'temperature', 0, 2);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', 0, 1);
  if (topP !== undefined) request.topP = topP;
  const maxTokens =
    optionalInteger(body, 'max_completion_tokens', 1, MAX_TOKENS_LIMIT) ?? optionalInteger(body, 'max_tokens', 1, MAX_TOKENS_LIMIT);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const stop = parseStop(body['stop']);
  if (stop !== undefined) request.stop = stop;
  const seed = optionalInteger(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (seed !== undefined) request.seed = seed;
  const presencePenalty = optionalNumber(body, 'presence_penalty', -2, 2);
  if (presencePenalty !== undefined) request.presencePenalty = presencePenalty;
  const frequencyPenalty = optionalNumber(body, 'frequency_penalty', -2, 2);
  if (frequencyPenalty !== undefined) request.frequencyPenalty = frequencyPenalty;
  const n = optionalInteger(body, 'n', 1, 128);
  if (n !== undefined) request.n = n;
  const user = optionalString(body, 'user');
  if (user !== undefined) request.user = user;
  const effort = optionalString(body, 'reasoning_effort');
  if (effort !== undefined) {
    if (!(reasoningEfforts as readonly string[]).includes(effort)) throw invalid('reasoning_effort', `must be one of ${reasoningEfforts.join(', ')}`);
    request.reasoning = { effort: effort as ReasoningEffort };
  }

  const stream = optionalBoolean(body, 'stream') ?? false;
  let includeUsage = false;
  const streamOptions = body['stream_options'];
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!isObject(streamOptions)) throw invalid('stream_options', 'must be an object');
    includeUsage = optionalBoolean(streamOptions, 'include_usage', 'stream_options.include_usage') ?? false;
  }
  return { request, stream, includeUsage, nativeFields: collectNativeFields(body) };
}

function parseTools(value: unknown, maxTools: number): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('tools', 'must be an array of tools');
  if (value.length === 0) return undefined;
  if (value.length > maxTools) throw invalid('tools', `may hold at most ${maxTools} tools (SWITCHBOARD_MAX_TOOLS), got ${value.length}`);
  const tools = new Array<ToolDefinition>(value.length);
  for (let index = 0; index < value.length; index++) {
    const path = `tools[${index}]`;
    const tool: unknown = value[index];
    if (!isObject(tool)) throw invalid(path, "must be an object {type: 'function', function: {...}}");
    if (tool['type'] !== 'function') {
      if (typeof tool['type'] === 'string') throw unsupported(`${path}.type`, `'${clip(tool['type'])}' tools are not supported; use 'function'`);
      throw invalid(`${path}.type`, "must be 'function'");
    }
    const fn = tool['function'];
    if (!isObject(fn)) throw invalid(`${path}.function`, 'must be an object with a name');
    const definition: ToolDefinition = { name: requiredString(fn, 'name', `${path}.function.name`) };
    const description = optionalString(fn, 'description', `${path}.function.description`);
    if (description !== undefined) definition.description = description;
    const parameters = fn['parameters'];
    if (parameters !== undefined && parameters !== null) {
      if (!isObject(parameters)) throw invalid(`${path}.function.parameters`, 'must be a JSON Schema object');
      definition.parameters = parameters;
    }
    const strict = optionalBoolean(fn, 'strict', `${path}.function.strict`);
    if (strict !== undefined) definition.strict = strict;
    tools[index] = definition;
  }
  return tools;
}

function parseToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isObject(value)) {
    if (value['type'] === 'function') {
      const fn = value['function'];
      if (!isObject(fn)) throw invalid('tool_choice.function', 'must be an object with a name');
      return { name: requiredString(fn, 'name', 'tool_choice.function.name') };
    }
    if (typeof value['type'] === 'string') throw unsupported('tool_choice.type', `'${clip(value['type'])}' is not supported; use 'function'`);
  }
  throw invalid('tool_choice', "must be 'auto', 'none', 'required' or {type: 'function', function: {name}}");
}

function parseResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid('response_format', 'must be an object with a type');
  return parseFormatObject(value, 'response_format', 'json_schema');
}

function parseStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : [value];
  if (!Array.isArray(value)) throw invalid('stop', 'must be a string or an array of strings');
  if (value.length === 0) return undefined;
  if (value.length > 4) throw invalid('stop', `may hold at most 4 sequences, got ${value.length}`);
  for (let index = 0; index < value.length; index++) {
    if (typeof value[index] !== 'string') throw invalid(`stop[${index}]`, 'must be a string');
  }
  return value as string[];
}
