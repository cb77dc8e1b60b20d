/**
 * Token estimates with a real tokenizer (OpenAI's o200k_base, `tokenizer/count-tokens.ts`) for
 * calls whose vendor reported no usage (a stream cut by the client, a provider that sends none),
 * and for governance's reservations of long inputs. The vocabulary is loaded on first use only,
 * never by a call that reports its usage and has a short input. Long texts are counted from a
 * sample (text-sample.ts): no estimate costs more CPU than a 16 K-character text's.
 *
 * @module
 */
import type { ChatMessage, ChatRequest } from '../providers/spec/index.js';
import { chatImageCount, IMAGE_INPUT_TOKENS } from './media-tokens.js';
import { boundedCount } from './text-sample.js';
import { o200kCounter } from './tokenizer/count-tokens.js';

/** Tokens OpenAI's chat format adds per message (role and separators), and to prime the answer. */
const perMessageTokens = 3;
const replyPrimingTokens = 3;

/** What a chat call's input estimate reads from the request. */
export type ChatInput = Pick<ChatRequest, 'messages' | 'tools' | 'responseFormat'>;

/**
 * Estimated input tokens of chat messages' text (text parts, tool calls and tool results), and of
 * `extras` (promptExtraTexts: the tool definitions and a JSON schema, which vendors bill as input).
 * Text only: estimateChatCallInputTokens adds the images.
 */
export async function estimateChatInputTokens(messages: readonly ChatMessage[], extras: readonly string[] = noExtras): Promise<number> {
  const count = await o200kCounter();
  const texts = messages.map(chatMessageText);
  if (extras.length > 0) texts.push(...extras);
  return inputFramingTokens(messages.length) + boundedCount(count, texts);
}

const noExtras: readonly string[] = Object.freeze([]);

/**
 * The estimated input of a chat call whose vendor reported no usage: estimateChatInputTokens plus
 * IMAGE_INPUT_TOKENS per image (user turns and tool results; counted, never decoded), as
 * governance's reservation counts them. Without the images, 50 images cost the tokens of their text.
 */
export async function estimateChatCallInputTokens(messages: readonly ChatMessage[], extras: readonly string[] = noExtras): Promise<number> {
  return (await estimateChatInputTokens(messages, extras)) + chatImageCount(messages) * IMAGE_INPUT_TOKENS;
}

/**
 * The texts a vendor puts in the prompt besides the messages, and bills as input: each tool's
 * name, description and parameters' JSON Schema, and a `json_schema` response format's schema
 * (none for most calls: nothing is built). The same texts as governance's reservation counts.
 */
export function promptExtraTexts(request: ChatInput): readonly string[] {
  const format = request.responseFormat;
  if ((request.tools === undefined || request.tools.length === 0) && format?.type !== 'json_schema') return noExtras;
  const texts: string[] = [];
  for (const tool of request.tools ?? []) texts.push(tool.name, tool.description ?? '', tool.parameters === undefined ? '' : JSON.stringify(tool.parameters));
  if (format?.type === 'json_schema') texts.push(JSON.stringify(format.schema));
  return texts;
}

/** The tokens OpenAI's chat format adds around `messages` messages' text. */
export function inputFramingTokens(messages: number): number {
  return replyPrimingTokens + perMessageTokens * messages;
}

/**
 * An upper bound of estimateChatInputTokens without the tokenizer: every o200k token is at least
 * one UTF-8 byte, so a message never has more tokens than bytes.
 */
export function chatInputTokenBound(messages: readonly ChatMessage[]): number {
  let total = replyPrimingTokens;
  for (const message of messages) total += perMessageTokens + chatMessageBytes(message);
  return total;
}

/**
 * The UTF-8 bytes of chatMessageText(message), summed part by part instead of joined first (a
 * surrogate pair split across two parts counts 6 bytes instead of 4: still an upper bound).
 */
function chatMessageBytes(message: ChatMessage): number {
  switch (message.role) {
    case 'user': {
      let bytes = 0;
      for (const part of message.content) if (part.type === 'text') bytes += Buffer.byteLength(part.text, 'utf8');
      return bytes;
    }
    case 'assistant': {
      let bytes = Buffer.byteLength(message.content ?? '', 'utf8');
      for (const call of message.toolCalls ?? []) bytes += Buffer.byteLength(call.name, 'utf8') + Buffer.byteLength(call.arguments, 'utf8');
      return bytes;
    }
    default:
      return Buffer.byteLength(message.content, 'utf8');
  }
}

/** Estimated tokens of texts (generated output, embedding inputs); 0 for no text at all. */
export async function estimateTextTokens(texts: readonly string[]): Promise<number> {
  if (texts.every((text) => text === '')) return 0;
  const count = await o200kCounter();
  // Text was exchanged: never 0 tokens.
  return Math.max(boundedCount(count, texts), 1);
}

/** The text of a message the tokenizer counts (text parts, tool calls, tool results). */
export function chatMessageText(message: ChatMessage): string {
  switch (message.role) {
    case 'user':
      return message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
    case 'assistant':
      return (message.content ?? '') + (message.toolCalls ?? []).map((call) => call.name + call.arguments).join('');
    default:
      return message.content;
  }
}
