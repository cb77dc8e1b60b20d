/**
 * Anthropic `messages` → normalized `ChatMessage[]`, checked by hand. Errors name the field in
 * Anthropic's path style (`messages.1.content.0.text must be a string`).
 *
 * A block of a known type with a wrong shape is a 400 whoever serves the model. A block the
 * normalized request cannot carry (`document`, `search_result`, server-tool blocks, a `file` image
 * source) is not an error yet: it is recorded in `Deferred` and refused only when a model of
 * another vendor serves the request, since an Anthropic model gets the body unchanged.
 *
 * Conversion: a user turn's `tool_result` blocks become `tool` messages (first, in order, as OpenAI
 * requires them right after the calls), the rest of the turn one user message; `is_error: true`
 * prefixes the result with `Error: ` (other vendors have no flag for it). A `tool_result`'s `image`
 * blocks stay in its tool message as parts, each with its own path, so a vendor that takes images
 * in tool results gets them and one that does not refuses the request naming the block. An
 * assistant turn's `thinking`/`redacted_thinking` blocks become its reasoning, `tool_use` blocks
 * its tool calls.
 *
 * @module
 */
import { SwitchboardError } from '../../errors.js';
import type { AssistantMessage, ChatMessage, ContentPart, ImagePart, ReasoningBlock, ToolCall } from '../../providers/spec/index.js';
import { clip, invalid, isObject, type JsonObject } from '../field-checks.js';
import { decodeSignature } from './reasoning-signature.js';

/**
 * The first thing the request holds that only an Anthropic model can serve, or that must not reach
 * another vendor (a `tool_result` answering no `tool_use`: Anthropic refuses it itself).
 */
export interface Deferred {
  error: SwitchboardError | undefined;
  /** The ids of the `tool_use` blocks so far (made on the first). */
  toolUseIds?: Set<string>;
}

/** Records `path … only an Anthropic model can serve` unless something was recorded already. */
export function defer(deferred: Deferred, path: string, what: string): void {
  deferred.error ??= new SwitchboardError(
    'unsupported_feature',
    `${path}: ${what} is only supported when an Anthropic model serves the request`,
    { param: path },
  );
}

/** `messages`, checked and converted; more than `maxMessages` → 400. */
export function parseMessagesContent(value: unknown, deferred: Deferred, maxMessages: number): ChatMessage[] {
  if (value === undefined || value === null) throw invalid('messages', 'is required');
  if (!Array.isArray(value)) throw invalid('messages', 'must be an array of messages');
  if (value.length === 0) throw invalid('messages', 'must contain at least one message');
  if (value.length > maxMessages) throw invalid('messages', `may hold at most ${maxMessages} messages (SWITCHBOARD_MAX_MESSAGES), got ${value.length}`);
  const messages: ChatMessage[] = [];
  for (let index = 0; index < value.length; index++) {
    const path = `messages.${index}`;
    const message: unknown = value[index];
    if (!isObject(message)) throw invalid(path, 'must be an object with a role and content');
    const role = message['role'];
    if (role === 'system') {
      throw invalid(`${path}.role`, "must be 'user' or 'assistant'; the system prompt goes in the top-level `system` field");
    }
    if (role !== 'user' && role !== 'assistant') throw invalid(`${path}.role`, "must be 'user' or 'assistant'");
    const blocks = contentBlocks(message['content'], `${path}.content`);
    if (role === 'user') parseUserTurn(blocks, `${path}.content`, messages, deferred);
    else messages.push(parseAssistantTurn(blocks, `${path}.content`, deferred));
  }
  return messages;
}

/** A content string becomes one text block; otherwise an array of typed blocks. */
function contentBlocks(value: unknown, path: string): JsonObject[] {
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  if (value === undefined || value === null) throw invalid(path, 'is required');
  if (!Array.isArray(value)) throw invalid(path, 'must be a string or an array of content blocks');
  for (let index = 0; index < value.length; index++) {
    const block: unknown = value[index];
    if (!isObject(block) || typeof block['type'] !== 'string') throw invalid(`${path}.${index}`, 'must be an object with a type');
  }
  return value as JsonObject[];
}

function parseUserTurn(blocks: JsonObject[], path: string, into: ChatMessage[], deferred: Deferred): void {
  const parts: ContentPart[] = [];
  for (let index = 0; index < blocks.length; index++) {
    const block = blocks[index] as JsonObject;
    const blockPath = `${path}.${index}`;
    switch (block['type']) {
      case 'text':
        parts.push(textPart(block, blockPath));
        break;
      case 'image': {
        const image = imagePart(block, blockPath, deferred);
        if (image !== undefined) parts.push(image);
        break;
      }
      case 'tool_result':
        into.push(toolResult(block, blockPath, deferred));
        break;
      case 'tool_use':
      case 'thinking':
      case 'redacted_thinking':
        throw invalid(`${blockPath}.type`, `'${String(block['type'])}' blocks are only allowed in assistant messages`);
      default:
        defer(deferred, `${blockPath}.type`, `a '${String(block['type'])}' block`);
    }
  }
  if (parts.length > 0) into.push({ role: 'user', content: parts });
}

function parseAssistantTurn(blocks: JsonObject[], path: string, deferred: Deferred): AssistantMessage {
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  for (let index = 0; index < blocks.length; index++) {
    const block = blocks[index] as JsonObject;
    const blockPath = `${path}.${index}`;
    switch (block['type']) {
      case 'text':
        text = (text ?? '') + textPart(block, blockPath).text;
        break;
      case 'tool_use': {
        const call = toolUse(block, blockPath);
        (deferred.toolUseIds ??= new Set()).add(call.id);
        toolCalls.push(call);
        break;
      }
      case 'thinking': {
        const thinking = block['thinking'];
        const signature = block['signature'];
        if (typeof thinking !== 'string') throw invalid(`${blockPath}.thinking`, 'must be a string');
        if (typeof signature !== 'string') throw invalid(`${blockPath}.signature`, 'must be a string');
        reasoning.push(signature === '' ? { text: thinking } : { text: thinking, ...decodeSignature(signature) });
        break;
      }
      case 'redacted_thinking': {
        const data = block['data'];
        if (typeof data !== 'string') throw invalid(`${blockPath}.data`, 'must be a string');
        reasoning.push({ text: '', redactedData: data, origin: 'anthropic' });
        break;
      }
      case 'image':
      case 'tool_result':
        throw invalid(`${blockPath}.type`, `'${String(block['type'])}' blocks are only allowed in user messages`);
      default:
        defer(deferred, `${blockPath}.type`, `a '${String(block['type'])}' block`);
    }
  }
  const message: AssistantMessage = { role: 'assistant', content: text };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  if (reasoning.length > 0) message.reasoning = reasoning;
  return message;
}

/** An optional `cache_control` object (carried for Anthropic; other vendors ignore it). */
export function cacheControl(block: JsonObject, path: string): Record<string, unknown> | undefined {
  const value = block['cache_control'];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid(`${path}.cache_control`, 'must be an object');
  return value;
}

function textPart(block: JsonObject, path: string): { type: 'text'; text: string; cacheControl?: Record<string, unknown> } {
  const text = block['text'];
  if (typeof text !== 'string') throw invalid(`${path}.text`, 'must be a string');
  const cache = cacheControl(block, path);
  return cache === undefined ? { type: 'text', text } : { type: 'text', text, cacheControl: cache };
}

function imagePart(block: JsonObject, path: string, deferred: Deferred): ImagePart | undefined {
  const source = block['source'];
  if (!isObject(source)) throw invalid(`${path}.source`, "must be an object {type: 'base64' | 'url', ...}");
  let url: string;
  if (source['type'] === 'base64') {
    const mediaType = source['media_type'];
    const data = source['data'];
    if (typeof mediaType !== 'string' || mediaType === '') throw invalid(`${path}.source.media_type`, 'must be a non-empty string');
    if (typeof data !== 'string' || data === '') throw invalid(`${path}.source.data`, 'must be a non-empty base64 string');
    url = `data:${mediaType};base64,${data}`;
  } else if (source['type'] === 'url') {
    const link = source['url'];
    if (typeof link !== 'string' || link === '') throw invalid(`${path}.source.url`, 'must be a non-empty string');
    url = link;
  } else if (typeof source['type'] === 'string') {
    defer(deferred, `${path}.source.type`, `an image source of type '${source['type']}'`);
    return undefined;
  } else {
    throw invalid(`${path}.source.type`, "must be 'base64' or 'url'");
  }
  const cache = cacheControl(block, path);
  return cache === undefined ? { type: 'image', url } : { type: 'image', url, cacheControl: cache };
}

function toolResult(block: JsonObject, path: string, deferred: Deferred): ChatMessage {
  const toolCallId = block['tool_use_id'];
  if (typeof toolCallId !== 'string' || toolCallId === '') throw invalid(`${path}.tool_use_id`, 'must be a non-empty string');
  // As Anthropic refuses it; another vendor would get a malformed conversation (OpenAI's and
  // Cohere's 400, or Gemini's naming the normalized request's messages[i].tool_call_id).
  if (deferred.toolUseIds?.has(toolCallId) !== true) {
    deferred.error ??= invalid(`${path}.tool_use_id`, `does not match a tool_use block earlier in messages: no tool_use with id ${clip(toolCallId, 64)}`);
  }
  const isError = block['is_error'];
  if (isError !== undefined && isError !== null && typeof isError !== 'boolean') throw invalid(`${path}.is_error`, 'must be a boolean');
  const content = block['content'];
  const parts: ContentPart[] = [];
  if (typeof content === 'string') {
    parts.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (let index = 0; index < content.length; index++) {
      const part: unknown = content[index];
      const partPath = `${path}.content.${index}`;
      if (!isObject(part) || typeof part['type'] !== 'string') throw invalid(partPath, 'must be an object with a type');
      if (part['type'] === 'text') {
        parts.push(textPart(part, partPath));
      } else if (part['type'] === 'image') {
        // A screenshot: carried as a part (the serving vendor takes it or refuses the request).
        const image = imagePart(part, partPath, deferred);
        if (image !== undefined) parts.push({ ...image, param: partPath });
      } else {
        defer(deferred, `${partPath}.type`, `a '${part['type']}' block inside a tool_result`);
      }
    }
  } else if (content !== undefined && content !== null) {
    throw invalid(`${path}.content`, 'must be a string or an array of content blocks');
  }
  return toolMessage(toolCallId, parts, isError === true);
}

/**
 * A tool message of a result's parts: its text is the text parts joined with a newline (prefixed
 * `Error: ` for `is_error`, which other vendors have no flag for); `parts` is kept only when an
 * image is among them.
 */
function toolMessage(toolCallId: string, parts: ContentPart[], isError: boolean): ChatMessage {
  const texts: string[] = [];
  for (const part of parts) if (part.type === 'text') texts.push(part.text);
  const text = texts.join('\n');
  const content = isError ? `Error: ${text}` : text;
  if (!parts.some((part) => part.type === 'image')) return { role: 'tool', toolCallId, content };
  if (isError) {
    const [first] = parts;
    if (first?.type === 'text') parts[0] = { type: 'text', text: `Error: ${first.text}` };
    else parts.unshift({ type: 'text', text: 'Error: ' });
  }
  return { role: 'tool', toolCallId, content, parts };
}

function toolUse(block: JsonObject, path: string): ToolCall {
  const id = block['id'];
  const name = block['name'];
  const input = block['input'];
  if (typeof id !== 'string' || id === '') throw invalid(`${path}.id`, 'must be a non-empty string');
  if (typeof name !== 'string' || name === '') throw invalid(`${path}.name`, 'must be a non-empty string');
  if (!isObject(input)) throw invalid(`${path}.input`, 'must be an object');
  return { id, name, arguments: JSON.stringify(input) };
}
