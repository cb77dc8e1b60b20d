/**
 * OpenAI chat `messages` → normalized `ChatMessage[]`, checked by hand. Errors name the field,
 * e.g. `messages[1].content must be a string or an array of content parts`.
 *
 * @module
 */
import type { AssistantMessage, ChatMessage, ContentPart, ToolCall } from '../providers/spec/index.js';
import { clip, invalid, isObject, optionalString, unsupported, type JsonObject } from './field-checks.js';

/** Element caps of a chat body (settings `SWITCHBOARD_MAX_MESSAGES`, `SWITCHBOARD_MAX_CONTENT_PARTS`). */
export interface MessageLimits {
  maxMessages: number;
  /** Per message `content` array. */
  maxContentParts: number;
}

/** `messages` → `ChatMessage[]`; more than `limits.maxMessages` messages or `maxContentParts` parts in one content → 400 naming the field. */
export function parseChatMessages(value: unknown, limits: MessageLimits): ChatMessage[] {
  if (value === undefined || value === null) throw invalid('messages', 'is required');
  if (!Array.isArray(value)) throw invalid('messages', 'must be an array of messages');
  if (value.length === 0) throw invalid('messages', 'must contain at least one message');
  if (value.length > limits.maxMessages) {
    throw invalid('messages', `may hold at most ${limits.maxMessages} messages (SWITCHBOARD_MAX_MESSAGES), got ${value.length}`);
  }
  const messages = new Array<ChatMessage>(value.length);
  for (let index = 0; index < value.length; index++) {
    messages[index] = parseMessage(value[index], `messages[${index}]`, limits.maxContentParts);
  }
  return messages;
}

function checkPartCount(parts: unknown[], path: string, maxParts: number): void {
  if (parts.length > maxParts) throw invalid(path, `may hold at most ${maxParts} content parts (SWITCHBOARD_MAX_CONTENT_PARTS), got ${parts.length}`);
}

function parseMessage(value: unknown, path: string, maxParts: number): ChatMessage {
  if (!isObject(value)) throw invalid(path, 'must be an object with a role and content');
  const role = value['role'];
  switch (role) {
    case 'system':
    case 'developer':
      return { role, content: textContent(value['content'], `${path}.content`, '\n', false, maxParts) };
    case 'user':
      return parseUserMessage(value, path, maxParts);
    case 'assistant':
      return parseAssistantMessage(value, path, maxParts);
    case 'tool': {
      const toolCallId = value['tool_call_id'];
      if (typeof toolCallId !== 'string' || toolCallId === '') throw invalid(`${path}.tool_call_id`, 'must be a non-empty string');
      return { role: 'tool', toolCallId, content: textContent(value['content'], `${path}.content`, '', false, maxParts) };
    }
    case 'function':
      throw unsupported(`${path}.role`, "'function' (the legacy function-calling API) is not supported; use tools and role 'tool'");
    case undefined:
    case null:
      throw invalid(`${path}.role`, 'is required');
    default:
      throw invalid(`${path}.role`, "must be one of 'system', 'developer', 'user', 'assistant', 'tool'");
  }
}

/** A string, or an array of text parts joined (system, tool and assistant content). */
function textContent(value: unknown, path: string, separator: string, nullable: true, maxParts: number): string | null;
function textContent(value: unknown, path: string, separator: string, nullable: false, maxParts: number): string;
function textContent(value: unknown, path: string, separator: string, nullable: boolean, maxParts: number): string | null {
  if (typeof value === 'string') return value;
  if ((value === null || value === undefined) && nullable) return null;
  if (!Array.isArray(value)) {
    if (value === undefined || value === null) throw invalid(path, 'is required');
    throw invalid(path, 'must be a string or an array of text parts');
  }
  checkPartCount(value, path, maxParts);
  let text = '';
  for (let index = 0; index < value.length; index++) {
    const part: unknown = value[index];
    const partPath = `${path}[${index}]`;
    if (!isObject(part)) throw invalid(partPath, 'must be an object with a type');
    let piece: unknown;
    if (part['type'] === 'text') piece = part['text'];
    else if (part['type'] === 'refusal' && nullable) piece = part['refusal'];
    else throw invalid(`${partPath}.type`, "must be 'text' here");
    if (typeof piece !== 'string') throw invalid(`${partPath}.${String(part['type'])}`, 'must be a string');
    text = index === 0 ? piece : text + separator + piece;
  }
  return text;
}

function parseUserMessage(value: JsonObject, path: string, maxParts: number): ChatMessage {
  const content = value['content'];
  const name = optionalString(value, 'name', `${path}.name`);
  let parts: ContentPart[];
  if (typeof content === 'string') {
    parts = [{ type: 'text', text: content }];
  } else if (Array.isArray(content)) {
    checkPartCount(content, `${path}.content`, maxParts);
    parts = new Array<ContentPart>(content.length);
    for (let index = 0; index < content.length; index++) parts[index] = parseUserPart(content[index], `${path}.content[${index}]`);
  } else if (content === undefined || content === null) {
    throw invalid(`${path}.content`, 'is required');
  } else {
    throw invalid(`${path}.content`, 'must be a string or an array of content parts');
  }
  return name === undefined ? { role: 'user', content: parts } : { role: 'user', content: parts, name };
}

function parseUserPart(value: unknown, path: string): ContentPart {
  if (!isObject(value)) throw invalid(path, 'must be an object with a type');
  switch (value['type']) {
    case 'text': {
      const text = value['text'];
      if (typeof text !== 'string') throw invalid(`${path}.text`, 'must be a string');
      return { type: 'text', text };
    }
    case 'image_url': {
      const image = value['image_url'];
      // The wire format is {url, detail}; a bare string is accepted as some clients send it.
      const url = typeof image === 'string' ? image : isObject(image) ? image['url'] : undefined;
      if (typeof url !== 'string' || url === '') throw invalid(`${path}.image_url.url`, 'must be a non-empty string');
      const detail = isObject(image) ? image['detail'] : undefined;
      if (detail === undefined || detail === null) return { type: 'image', url };
      if (detail !== 'auto' && detail !== 'low' && detail !== 'high') {
        throw invalid(`${path}.image_url.detail`, "must be one of 'auto', 'low', 'high'");
      }
      return { type: 'image', url, detail };
    }
    case 'input_audio':
    case 'file':
      throw unsupported(`${path}.type`, `'${clip(value['type'])}' content parts are not supported`);
    default:
      throw invalid(`${path}.type`, "must be one of 'text', 'image_url'");
  }
}

function parseAssistantMessage(value: JsonObject, path: string, maxParts: number): AssistantMessage {
  if (value['function_call'] !== undefined && value['function_call'] !== null) {
    throw unsupported(`${path}.function_call`, 'is not supported (legacy function calling); use tool_calls');
  }
  const content = textContent(value['content'], `${path}.content`, '', true, maxParts);
  const rawCalls = value['tool_calls'];
  if (rawCalls === undefined || rawCalls === null) return { role: 'assistant', content };
  if (!Array.isArray(rawCalls)) throw invalid(`${path}.tool_calls`, 'must be an array of tool calls');
  if (rawCalls.length === 0) return { role: 'assistant', content };
  const toolCalls = new Array<ToolCall>(rawCalls.length);
  for (let index = 0; index < rawCalls.length; index++) toolCalls[index] = parseToolCall(rawCalls[index], `${path}.tool_calls[${index}]`);
  return { role: 'assistant', content, toolCalls };
}

function parseToolCall(value: unknown, path: string): ToolCall {
  if (!isObject(value)) throw invalid(path, 'must be an object');
  const id = value['id'];
  if (typeof id !== 'string' || id === '') throw invalid(`${path}.id`, 'must be a non-empty string');
  const type = value['type'];
  if (type !== undefined && typeof type !== 'string') throw invalid(`${path}.type`, "must be 'function'");
  if (type !== undefined && type !== 'function') throw unsupported(`${path}.type`, `'${clip(type)}' tool calls are not supported`);
  const fn = value['function'];
  if (!isObject(fn)) throw invalid(`${path}.function`, 'must be an object with name and arguments');
  const name = fn['name'];
  if (typeof name !== 'string' || name === '') throw invalid(`${path}.function.name`, 'must be a non-empty string');
  const args = fn['arguments'];
  if (typeof args !== 'string') throw invalid(`${path}.function.arguments`, 'must be a string of JSON');
  return { id, name, arguments: args };
}
