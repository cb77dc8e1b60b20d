/**
 * What a stream keeps of its input to estimate its input tokens if it is cut before the vendor
 * reports usage: the messages, and the tool definitions' and a JSON schema's texts (vendors bill
 * them as input; promptExtraTexts). Inputs of up to EXACT_CHARS characters of text are kept as
 * they are and counted exactly; longer ones would be counted from a sample anyway (text-sample.ts),
 * and a held stream would keep its whole prompt for its whole life (agents send hundreds of KB), so
 * it keeps only that sample, copied out of the request's strings, taken when the stream starts.
 * Images count IMAGE_INPUT_TOKENS each (media-tokens.ts), not their URLs' text.
 *
 * @module
 */
import type { ChatMessage } from '../providers/spec/index.js';
import { type ChatInput, chatMessageText, estimateChatCallInputTokens, inputFramingTokens, promptExtraTexts } from './estimate-tokens.js';
import { chatImageCount, IMAGE_INPUT_TOKENS } from './media-tokens.js';
import { boundedCount, EXACT_CHARS, SAMPLE_WINDOWS, sampledTokens, sampleTexts, WINDOW_CHARS } from './text-sample.js';
import { o200kCounter } from './tokenizer/count-tokens.js';

/** Estimates the input tokens of `request` later, keeping only what that needs (not the request). */
export function chatInputEstimate(request: ChatInput): () => Promise<number> {
  const { messages } = request;
  const extras = promptExtraTexts(request);
  let chars = 0;
  for (const message of messages) chars += textChars(message);
  for (const text of extras) chars += text.length;
  if (chars > EXACT_CHARS) return sampledEstimate(messages, extras, chars);
  // Images, audio and files are counted at a fixed figure, never as text: a stream whose messages
  // carry any keeps only their texts, not the messages (an inline image is megabytes of data URL).
  return messages.some(hasMedia) ? textEstimate(messages, extras) : wholeEstimate(messages, extras);
}

/** A message with a part that is not text (user content parts, tool result parts). */
function hasMedia(message: ChatMessage): boolean {
  if (message.role === 'user') return message.content.some((part) => part.type !== 'text');
  return message.role === 'tool' && message.parts !== undefined && message.parts.length > 0;
}

/**
 * Counts the messages' texts (at most EXACT_CHARS characters), with the framing and images counted
 * now. A function of its own, like sampledEstimate: no closure here may keep `messages` alive.
 */
function textEstimate(messages: readonly ChatMessage[], extras: readonly string[]): () => Promise<number> {
  const framing = inputFramingTokens(messages.length) + chatImageCount(messages) * IMAGE_INPUT_TOKENS;
  const texts = messages.map(chatMessageText);
  if (extras.length > 0) texts.push(...extras);
  return async () => framing + boundedCount(await o200kCounter(), texts);
}

/** Counts the messages and extras themselves (kept). */
function wholeEstimate(messages: readonly ChatMessage[], extras: readonly string[]): () => Promise<number> {
  return () => estimateChatCallInputTokens(messages, extras);
}

/**
 * Counts a sample. A function of its own: V8 gives the closures of one call a shared context, so
 * a closure over `messages` anywhere in this function would keep them alive with the sample.
 */
function sampledEstimate(messages: readonly ChatMessage[], extras: readonly string[], chars: number): () => Promise<number> {
  const framing = inputFramingTokens(messages.length) + chatImageCount(messages) * IMAGE_INPUT_TOKENS;
  const texts = messages.map(chatMessageText);
  if (extras.length > 0) texts.push(...extras);
  const sample = sampleTexts(texts, chars, SAMPLE_WINDOWS, WINDOW_CHARS);
  return async () => framing + sampledTokens(await o200kCounter(), sample);
}

/** The characters of chatMessageText(message), without joining its parts. */
function textChars(message: ChatMessage): number {
  switch (message.role) {
    case 'user': {
      let chars = 0;
      for (const part of message.content) if (part.type === 'text') chars += part.text.length;
      return chars;
    }
    case 'assistant': {
      let chars = message.content?.length ?? 0;
      for (const call of message.toolCalls ?? []) chars += call.name.length + call.arguments.length;
      return chars;
    }
    default:
      return message.content.length;
  }
}
