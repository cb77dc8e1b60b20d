/**
 * What a stream keeps of its messages to estimate its input tokens if it is cut before the vendor
 * reports usage. Short messages are kept as they are and counted exactly; past KEEP_CHARS of text,
 * a held stream would keep its whole prompt for its whole life (agents send hundreds of KB), so it
 * keeps SAMPLE_WINDOWS windows of WINDOW_CHARS spread evenly over the text instead, copied out of
 * the request's strings, and the count of the sample is scaled by the text's UTF-8 bytes over the
 * sample's (the counter extrapolates the same way past its exact limit: tokenizer/count-tokens.ts).
 *
 * @module
 */
import type { ChatMessage } from '../providers/spec/index.js';
import { chatMessageText, estimateChatInputTokens, inputFramingTokens } from './estimate-tokens.js';
import { type CountTokens, o200kCounter } from './tokenizer/count-tokens.js';

/** Messages with at most this many characters of text are kept whole. */
export const KEEP_CHARS = 64 * 1024;
export const SAMPLE_WINDOWS = 16;
export const WINDOW_CHARS = 2 * 1024;

/** Estimates the input tokens of `messages` later, keeping only what that needs. */
export function chatInputEstimate(messages: readonly ChatMessage[]): () => Promise<number> {
  let chars = 0;
  for (const message of messages) chars += textChars(message);
  return chars <= KEEP_CHARS ? wholeEstimate(messages) : sampledEstimate(messages, chars);
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

/** Windows of a text, their UTF-8 bytes and the whole's. */
export interface TextSample {
  pieces: string[];
  sampleBytes: number;
  bytes: number;
}

/** `windows` windows of `windowChars` spread over `texts` (of `chars` characters in all). */
export function sampleTexts(texts: readonly string[], chars: number, windows: number, windowChars: number): TextSample {
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  const pieces = sampleWindows(texts, chars, windows, windowChars);
  let sampleBytes = 0;
  for (const piece of pieces) sampleBytes += Buffer.byteLength(piece, 'utf8');
  return { pieces, sampleBytes, bytes };
}

/** The sample's token count scaled to the whole text by UTF-8 bytes. */
export function sampledTokens(count: CountTokens, sample: TextSample): number {
  return Math.round((count(sample.pieces) * sample.bytes) / Math.max(sample.sampleBytes, 1));
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

/**
 * `windows` windows of `windowChars`, evenly spaced over the texts read as one (the first at
 * the start, the last at the end), each piece copied so that it keeps nothing of its source.
 */
function sampleWindows(texts: readonly string[], chars: number, windows: number, windowChars: number): string[] {
  const step = (chars - windowChars) / (windows - 1);
  const pieces: string[] = [];
  for (let window = 0; window < windows; window++) {
    const from = Math.round(window * step);
    const to = from + windowChars;
    let offset = 0;
    for (const text of texts) {
      const start = Math.max(from - offset, 0);
      const end = Math.min(to - offset, text.length);
      if (start < end) pieces.push(copyOf(text.slice(start, end)));
      offset += text.length;
      if (offset >= to) break;
    }
  }
  return pieces;
}

/** A string with its own characters: V8's slices point into their source and keep it alive. */
function copyOf(slice: string): string {
  return Buffer.from(slice, 'utf16le').toString('utf16le');
}
