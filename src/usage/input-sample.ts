/**
 * What a stream keeps of its messages to estimate its input tokens if it is cut before the vendor
 * reports usage. Messages of up to EXACT_CHARS characters of text are kept as they are and counted
 * exactly; longer ones would be counted from a sample anyway (text-sample.ts), and a held stream
 * would keep its whole prompt for its whole life (agents send hundreds of KB), so it keeps only
 * that sample, copied out of the request's strings, taken when the stream starts.
 *
 * @module
 */
import type { ChatMessage } from '../providers/spec/index.js';
import { chatMessageText, estimateChatInputTokens, inputFramingTokens } from './estimate-tokens.js';
import { EXACT_CHARS, SAMPLE_WINDOWS, sampledTokens, sampleTexts, WINDOW_CHARS } from './text-sample.js';
import { o200kCounter } from './tokenizer/count-tokens.js';

/** Estimates the input tokens of `messages` later, keeping only what that needs. */
export function chatInputEstimate(messages: readonly ChatMessage[]): () => Promise<number> {
  let chars = 0;
  for (const message of messages) chars += textChars(message);
  return chars <= EXACT_CHARS ? wholeEstimate(messages) : sampledEstimate(messages, chars);
}

/** Counts the messages themselves (kept). */
function wholeEstimate(messages: readonly ChatMessage[]): () => Promise<number> {
  return () => estimateChatInputTokens(messages);
}

/**
 * Counts a sample. A function of its own: V8 gives the closures of one call a shared context, so
 * a closure over `messages` anywhere in this function would keep them alive with the sample.
 */
function sampledEstimate(messages: readonly ChatMessage[], chars: number): () => Promise<number> {
  const framing = inputFramingTokens(messages.length);
  const sample = sampleTexts(messages.map(chatMessageText), chars, SAMPLE_WINDOWS, WINDOW_CHARS);
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
