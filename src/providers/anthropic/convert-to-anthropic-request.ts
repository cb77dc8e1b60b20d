import { createHash } from 'node:crypto';
import { type StopRule, sentStops } from '../shared/vendor-stops.js';
import { SwitchboardError } from '../../errors.js';
import { parseDataUrl } from '../shared/data-url.js';
import { refuseEmptyConversation } from '../shared/empty-conversation.js';
import { parseJsonArguments } from '../shared/json-arguments.js';
import { mergeNativeFields } from '../shared/merge-native-fields.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice, ToolDefinition } from '../spec/index.js';
import { claudeGeneration } from './claude-generation.js';
import { applyAnthropicThinking, convertReasoningToAnthropic } from './convert-anthropic-thinking.js';
import { anthropicImageMediaType } from './image-media-type.js';
import type {
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequestBody,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicVersion,
} from './anthropic-api.js';

/** Used when neither the request nor the model row sets an output limit (the API requires one). */
export const defaultAnthropicMaxTokens = 4096;

/** Anthropic refuses a stop sequence without a non-whitespace character ("\n"), and sets no count limit. */
export const anthropicStops: StopRule = { max: Number.POSITIVE_INFINITY, takes: (stop) => stop.trim() !== '' };

export interface AnthropicRequestContext {
  version: AnthropicVersion;
  /** `ai_models.max_tokens`, the default output limit for this model. */
  modelMaxTokens: number | undefined;
}

/**
 * Converts a normalized chat request to an Anthropic Messages body.
 *
 * - `system`/`developer` messages, wherever they are, are joined (blank line between) into the
 *   top-level `system`; Anthropic has no system role in `messages`.
 * - Empty system, user and assistant messages are left out (Anthropic refuses empty content); a
 *   conversation with nothing left, or whose last user message is empty, is refused
 *   (refuseEmptyConversation).
 * - Consecutive turns with the same role are merged into one message, so the tool results of one
 *   turn become one user message of `tool_result` blocks (tool results always first, as the API
 *   requires).
 * - `max_tokens` is always sent: the request's, else the model row's, else 4096.
 * - `temperature`, `top_p` and `top_k` are sent under `2023-06-01` only and not to Claude 4.7 and
 *   later: API version `2026-10-21` and those models reject them (even at default values), so they
 *   are dropped there. Opus 4.1 and the 4.5 and 4.6 models refuse `temperature` with `top_p`: there
 *   `top_p` is dropped when both are set. A `temperature` above 1 (OpenAI's range is 0–2, the
 *   Messages API's 0–1) is sent as 1.
 * - Reasoning controls become `thinking` (see applyAnthropicThinking); signed thinking blocks of
 *   earlier Anthropic turns open their assistant message again, unchanged.
 * - `cacheControl` on text, images, tools and system text becomes `cache_control` (the system is
 *   then sent as text blocks); native fields of the `anthropic` family are merged in unchanged.
 * - A tool result holding images (`parts`) becomes a `tool_result` whose content is text and image
 *   blocks, converted as a user turn's are (data: URL → base64 source, http(s) URL → url source).
 *   A base64 source's `media_type` is the format of its bytes when known (anthropicImageMediaType).
 * - Dropped because Anthropic has no equivalent and ignoring them changes no answer's shape:
 *   `seed`, `presencePenalty`, `frequencyPenalty`, a user's `name`, a tool's `strict`, image `detail`.
 * - Refused (`unsupported_feature`) because the client relies on them for the answer's shape:
 *   `n > 1` and `responseFormat` `json_object`/`json_schema`.
 */
export function convertToAnthropicRequest(request: ChatRequest, context: AnthropicRequestContext): AnthropicRequestBody {
  if (request.n !== undefined && request.n > 1) {
    throw new SwitchboardError('unsupported_feature', 'Anthropic returns one choice per request; n > 1 is not supported', {
      param: 'n',
    });
  }
  if (request.responseFormat !== undefined && request.responseFormat.type !== 'text') {
    throw new SwitchboardError(
      'unsupported_feature',
      `response_format '${request.responseFormat.type}' is not supported by the Anthropic provider`,
      { param: 'response_format' },
    );
  }

  const { system, messages } = convertMessages(request.messages);
  const body: AnthropicRequestBody = {
    model: request.model,
    max_tokens: request.maxTokens ?? context.modelMaxTokens ?? defaultAnthropicMaxTokens,
    messages,
  };
  if (system !== undefined) body.system = system;

  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map(convertTool);
    const toolChoice = convertToolChoice(request.toolChoice, request.parallelToolCalls);
    if (toolChoice !== undefined) body.tool_choice = toolChoice;
  }

  // Whitespace-only stops are refused by Anthropic: the service cuts the answer at them (unsentStops).
  const stopSequences = request.stop === undefined ? undefined : sentStops(request.stop, anthropicStops);
  if (stopSequences !== undefined && stopSequences.length > 0) body.stop_sequences = stopSequences;

  // API version 2026-10-21 and Claude 4.7 and later refuse the sampling controls, even at defaults.
  if (context.version === '2023-06-01' && claudeGeneration(request.model).sampling) {
    // The Messages API takes 0–1 (OpenAI 0–2): above 1 is sent as 1, the most random it takes.
    if (request.temperature !== undefined) body.temperature = request.temperature > 1 ? 1 : request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.topK !== undefined) body.top_k = request.topK;
  }
  if (request.user !== undefined && request.user !== '') body.metadata = { user_id: request.user };
  applyAnthropicThinking(body, request, context.modelMaxTokens, defaultAnthropicMaxTokens);
  // Opus 4.1 and the 4.5 and 4.6 models refuse both: the temperature is kept (OpenAI's advice is to set one).
  if (body.temperature !== undefined && body.top_p !== undefined && claudeGeneration(body.model).oneSampler) delete body.top_p;
  return mergeNativeFields(body, request.native, 'anthropic');
}

function convertMessages(input: readonly ChatMessage[]): { system: string | AnthropicTextBlock[] | undefined; messages: AnthropicMessage[] } {
  const systemParts: AnthropicTextBlock[] = [];
  const messages: AnthropicMessage[] = [];

  // The last message's blocks, its tool_result blocks apart: they must precede any other block of
  // their user message. Kept apart until the message is complete (inserting each tool_result in
  // front of the others was quadratic in a long run of tool results).
  let role: 'user' | 'assistant' | undefined;
  let results: AnthropicContentBlock[] = [];
  let others: AnthropicContentBlock[] = [];
  const close = (): void => {
    if (role !== undefined) messages.push({ role, content: results.length === 0 ? others : results.concat(others) });
  };
  const append = (next: 'user' | 'assistant', blocks: AnthropicContentBlock[]): void => {
    if (next !== role) {
      close();
      role = next;
      results = [];
      others = [];
    }
    for (const block of blocks) (block.type === 'tool_result' ? results : others).push(block);
  };

  for (const message of input) {
    switch (message.role) {
      case 'system':
      case 'developer':
        if (message.content !== '') {
          systemParts.push({ type: 'text', text: message.content, ...(message.cacheControl ? { cache_control: message.cacheControl } : {}) });
        }
        break;
      case 'user': {
        // An empty user message is left out: Anthropic refuses empty content (but a final assistant's).
        const blocks = message.content.map(convertUserPart).filter((block) => block !== undefined);
        if (blocks.length > 0) append('user', blocks);
        break;
      }
      case 'assistant': {
        const blocks: AnthropicContentBlock[] = convertReasoningToAnthropic(message.reasoning);
        if (message.content) blocks.push({ type: 'text', text: message.content });
        for (const call of message.toolCalls ?? []) {
          blocks.push({ type: 'tool_use', id: anthropicToolId(call.id), name: call.name, input: parseJsonArguments(call.arguments) });
        }
        // An empty assistant turn would be rejected ("text content blocks must be non-empty").
        if (blocks.length > 0) append('assistant', blocks);
        break;
      }
      case 'tool': {
        // A result holding images becomes text and image blocks, which tool_result.content takes.
        const content = message.parts === undefined ? message.content : message.parts.map(convertUserPart).filter((block) => block !== undefined);
        append('user', [{ type: 'tool_result', tool_use_id: anthropicToolId(message.toolCallId), content }]);
        break;
      }
    }
  }
  close();
  refuseEmptyConversation('Anthropic', messages.length, input[input.length - 1]?.role === 'user' && role !== 'user');
  return { system: convertSystem(systemParts), messages };
}

/** One string (blank lines between parts), or text blocks when a part carries `cache_control`. */
function convertSystem(parts: AnthropicTextBlock[]): string | AnthropicTextBlock[] | undefined {
  if (parts.length === 0) return undefined;
  if (parts.some((part) => part.cache_control !== undefined)) return parts;
  return parts.map((part) => part.text).join('\n\n');
}

/** A text or image part as its block (an empty text is dropped: Anthropic refuses empty text blocks). */
function convertUserPart(part: ContentPart): AnthropicTextBlock | AnthropicImageBlock | undefined {
  const cache = part.cacheControl ? { cache_control: part.cacheControl } : {};
  if (part.type === 'text') return part.text === '' ? undefined : { type: 'text', text: part.text, ...cache };
  const inline = parseDataUrl(part.url);
  if (inline !== undefined) {
    return { type: 'image', source: { type: 'base64', media_type: anthropicImageMediaType(inline.mimeType, inline.data), data: inline.data }, ...cache };
  }
  if (/^https?:\/\//i.test(part.url)) return { type: 'image', source: { type: 'url', url: part.url }, ...cache };
  const param = part.param ?? 'messages';
  throw new SwitchboardError('invalid_request', `${param}: image URLs must be http(s) URLs or base64 data URLs`, { param });
}

function convertTool(tool: ToolDefinition): AnthropicTool {
  // Anthropic requires an object schema; OpenAI allows omitting `parameters` entirely.
  const schema = tool.parameters ?? {};
  const converted: AnthropicTool = {
    name: tool.name,
    input_schema: schema['type'] === undefined ? { type: 'object', properties: {}, ...schema } : schema,
  };
  if (tool.description !== undefined) converted.description = tool.description;
  if (tool.cacheControl !== undefined) converted.cache_control = tool.cacheControl;
  return converted;
}

function convertToolChoice(choice: ToolChoice | undefined, parallelToolCalls: boolean | undefined): AnthropicToolChoice | undefined {
  if (choice === 'none') return { type: 'none' };
  const disableParallel = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallelToolCalls === false ? { type: 'auto', ...disableParallel } : undefined;
  if (choice === 'auto') return { type: 'auto', ...disableParallel };
  if (choice === 'required') return { type: 'any', ...disableParallel };
  return { type: 'tool', name: choice.name, ...disableParallel };
}

/**
 * A tool call id in the pattern Anthropic requires (`^[a-zA-Z0-9_-]+$`). Ids made by other vendors
 * may hold other characters (Kimi K2's `functions.get:0`); each one is rewritten, the call and its
 * result alike so they still pair, with a hash of the original so two ids cannot become one.
 */
export function anthropicToolId(id: string): string {
  if (/^[a-zA-Z0-9_-]+$/.test(id)) return id;
  return `${id.replace(/[^a-zA-Z0-9_-]/g, '_')}_${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}
