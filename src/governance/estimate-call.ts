/**
 * A call's worst case in tokens, for reservations, computed before the upstream call (on the
 * request's path, so its CPU counts): the most the call may generate (`max_tokens`, else the model
 * row's `max_tokens`, else DEFAULT_MAX_OUTPUT_TOKENS), and the input:
 *
 * - up to BYTE_BOUND_MAX_TOKENS UTF-8 bytes: the byte count (an upper bound: every o200k token is at
 *   least one byte; cheaper than the tokenizer, and the overestimate is small);
 * - up to EXACT_CHARS characters: the o200k tokenizer's count;
 * - longer: RESERVE_WINDOWS windows of RESERVE_WINDOW_CHARS spread over the text, counted, scaled
 *   by UTF-8 bytes and raised by SAMPLE_MARGIN, never above the byte count. The tokenizer costs
 *   about 0.1 µs per character of prose (BPE merges), so counting a 100 KB prompt whole took
 *   ~10 ms of CPU per call; the sample costs what a 2 K-character prompt does. Settlement charges
 *   the ledger's exact cost either way; the reservation only has to be a close upper estimate.
 *
 * @module
 */
import { MIN_THINKING_BUDGET, requestedBudget } from '../providers/shared/reasoning.js';
import type { ChatMessage, ChatRequest } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { chatInputTokenBound, chatMessageText, inputFramingTokens, promptExtraTexts } from '../usage/estimate-tokens.js';
import { jsonTexts } from '../usage/json-texts.js';
import { sampledTokens, sampleTexts } from '../usage/text-sample.js';
import { o200kCounter } from '../usage/tokenizer/count-tokens.js';
import type { TokenEstimate } from './governor.js';

/** Output tokens reserved when neither the request nor the model row bounds them. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

function outputBound(requested: unknown, model: ModelEntry): number {
  if (typeof requested === 'number' && Number.isInteger(requested) && requested > 0) return requested;
  return model.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/**
 * Inputs up to this many tokens by their byte bound are reserved at the bound (at most ~770 tokens
 * over the tokenizer's count, released at settlement); longer ones go through the tokenizer.
 */
export const BYTE_BOUND_MAX_TOKENS = 1024;

/**
 * Input tokens reserved per image part. Vendors bill images by size, not bytes: at most about
 * 1,600 tokens (Anthropic), 1,120 (Gemini 3, high resolution), 765 (GPT-4o, high detail) and
 * ~2,500 (GPT-4.1 mini's patches); the largest is reserved.
 */
export const IMAGE_INPUT_TOKENS = 2_500;

/** What a chat call's reservation reads from the request. */
export type ChatCallShape = Pick<ChatRequest, 'messages' | 'maxTokens' | 'n' | 'tools' | 'responseFormat' | 'reasoning'>;

/**
 * Synchronous for a short input (its byte bound); a promise when it needs the tokenizer. The input
 * is the messages' texts, the tool definitions and a JSON schema's text (vendors put both in the
 * prompt) and IMAGE_INPUT_TOKENS per image. The output is the bound per choice (`n`: each choice may
 * generate up to it; the input is billed once), plus the thinking budget when the request asks for
 * reasoning: Anthropic's `max_tokens` then grows by that budget (convert-anthropic-thinking.ts),
 * within the model row's `max_tokens`.
 */
export function estimateChatCall(request: ChatCallShape, model: ModelEntry): TokenEstimate | Promise<TokenEstimate> {
  const { messages } = request;
  const extra = promptExtras(request);
  const images = imageCount(messages);
  const bound = chatInputTokenBound(messages) + extra.bytes + images * IMAGE_INPUT_TOKENS;
  const outputTokens = chatOutputBound(request, model);
  if (bound <= BYTE_BOUND_MAX_TOKENS) return { inputTokens: bound, outputTokens };
  const fixed = inputFramingTokens(messages.length) + images * IMAGE_INPUT_TOKENS;
  const texts = messages.map(chatMessageText);
  if (extra.texts.length > 0) texts.push(...extra.texts);
  return reserveTokens(texts, bound - fixed).then((tokens) => ({ inputTokens: fixed + tokens, outputTokens }));
}

function chatOutputBound(request: ChatCallShape, model: ModelEntry): number {
  const visible = outputBound(request.maxTokens, model);
  const thinking = requestedBudget(request.reasoning) ?? 0;
  const perChoice = thinking > 0 ? Math.min(visible + Math.max(thinking, MIN_THINKING_BUDGET), model.maxTokens ?? Number.MAX_SAFE_INTEGER) : visible;
  return Math.max(perChoice, visible) * (request.n ?? 1);
}

/** The tool definitions' and the response schema's text (promptExtraTexts) and their UTF-8 bytes. */
function promptExtras(request: ChatCallShape): { texts: readonly string[]; bytes: number } {
  const texts = promptExtraTexts(request);
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  return { texts, bytes };
}

function imageCount(messages: readonly ChatMessage[]): number {
  let images = 0;
  for (const message of messages) {
    if (message.role !== 'user') continue;
    for (const part of message.content) if (part.type !== 'text') images += 1;
  }
  return images;
}

export async function estimateEmbedCall(input: readonly string[]): Promise<TokenEstimate> {
  return { inputTokens: await textTokens(input), outputTokens: 0 };
}

/**
 * A native body (Anthropic Messages, OpenAI Responses): its JSON as input, read off the parsed body
 * (`usage/json-texts.ts`). The texts are reserved like a chat's, and the punctuation around them at
 * one token per two characters. A body of up to BYTE_BOUND_MAX_TOKENS bytes of JSON is reserved at
 * that bound.
 */
export async function estimateNativeCall(body: Record<string, unknown>, model: ModelEntry): Promise<TokenEstimate> {
  const json = jsonTexts(body, 'model');
  let bytes = 0;
  for (const text of json.texts) bytes += Buffer.byteLength(text, 'utf8');
  const bound = body['max_tokens'] ?? body['max_output_tokens'];
  const inputTokens = bytes + json.punctuation <= BYTE_BOUND_MAX_TOKENS ? bytes + json.punctuation : (await reserveTokens(json.texts, bytes)) + Math.ceil(json.punctuation / 2);
  return { inputTokens, outputTokens: outputBound(bound, model) };
}

/** Tokens of texts for a reservation: the byte bound when short, else reserveTokens. */
async function textTokens(texts: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  if (bytes <= BYTE_BOUND_MAX_TOKENS) return bytes;
  return reserveTokens(texts, bytes);
}

/** Texts of this many characters or fewer are counted whole; longer ones are sampled. */
export const EXACT_CHARS = 2 * 1024;
const RESERVE_WINDOWS = 8;
const RESERVE_WINDOW_CHARS = 256;
/**
 * A sample's count is raised by this much: on this repository's docs and sources (prose, tables,
 * code) and mixed scripts, 8 × 256 characters was within 17% of the exact count, so a 25% margin
 * reserved at least the exact count in every one of ~400 slices of 3 K to 100 K characters.
 */
const SAMPLE_MARGIN = 1.25;

/** The tokens reserved for `texts` (`bytes` UTF-8 bytes, an upper bound): see the module's note. */
async function reserveTokens(texts: readonly string[], bytes: number): Promise<number> {
  const count = await o200kCounter();
  let chars = 0;
  for (const text of texts) chars += text.length;
  if (chars <= EXACT_CHARS) return count(texts);
  const estimate = sampledTokens(count, sampleTexts(texts, chars, RESERVE_WINDOWS, RESERVE_WINDOW_CHARS));
  return Math.min(bytes, Math.ceil(estimate * SAMPLE_MARGIN));
}
