/**
 * What a native stream (the vendor's own API passed through) is charged when it ends without the
 * vendor's final usage: cut by the client before Anthropic's `message_delta` or the Responses API's
 * `response.completed`, or served by a provider that reports none. Without it such a stream cost
 * $0 (Responses) or its input only (Anthropic) however much the client had read: a client could
 * read a whole answer, close the connection before the last event, and never be charged against
 * its budget.
 *
 * - Input: what the vendor already reported (Anthropic's `message_start`), else the body's JSON
 *   texts estimated (the route holds the body for the stream's life anyway), images and documents
 *   at a fixed figure each (media-tokens.ts).
 * - Output: the text of the content events seen (`content_block_delta`, `response.*.delta`), never
 *   less than the vendor reported so far (reported-estimate.ts combines the two). The events'
 *   data strings are kept as they passed, up to KEPT_CHARS characters, and parsed only if the
 *   estimate is needed; past that the count is scaled by the data characters seen.
 *
 * @module
 */
import type { Usage, UsageBuckets } from '../providers/spec/index.js';
import { boundedCount, EXACT_CHARS, SAMPLE_WINDOWS, sampledTokens, sampleTexts, WINDOW_CHARS } from './text-sample.js';
import { estimateTextTokens } from './estimate-tokens.js';
import { jsonTexts } from './json-texts.js';
import { DOCUMENT_INPUT_TOKENS, IMAGE_INPUT_TOKENS } from './media-tokens.js';
import { o200kCounter } from './tokenizer/count-tokens.js';
import { withReported } from './reported-estimate.js';
import type { FailedCallCharge } from './hidden-reasoning.js';

/**
 * Content event data kept per stream for its output estimate, characters: about 45 Anthropic text
 * deltas. A held stream keeps them for its life, so the bound is small; the rest is extrapolated
 * (the events' JSON framing is alike from one to the next).
 */
export const KEPT_CHARS = 4 * 1024;

/** The content events of a native stream, kept (bounded) for an output estimate. */
export class NativeOutputSample {
  #kept: string[] = [];
  #keptChars = 0;
  #seenChars = 0;

  /** One content event's data (its JSON text). */
  add(data: string): void {
    this.#seenChars += data.length;
    if (this.#keptChars >= KEPT_CHARS) return;
    this.#kept.push(data);
    this.#keptChars += data.length;
  }

  /** Estimated output tokens of the events seen. */
  async tokens(): Promise<number> {
    if (this.#keptChars === 0) return 0;
    const counted = await estimateTextTokens(this.#kept.map(deltaText));
    return Math.ceil((counted * this.#seenChars) / this.#keptChars);
  }
}

/**
 * The generated text of one content event: the Responses API's `delta` string, or the text,
 * tool input JSON or thinking of an Anthropic `delta` object ('' for anything else).
 */
export function deltaText(data: string): string {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return '';
  }
  if (typeof json !== 'object' || json === null) return '';
  const delta = (json as Record<string, unknown>)['delta'];
  if (typeof delta === 'string') return delta;
  if (typeof delta !== 'object' || delta === null) return '';
  const fields = delta as Record<string, unknown>;
  for (const field of ['text', 'partial_json', 'thinking']) {
    const value = fields[field];
    if (typeof value === 'string') return value;
  }
  return '';
}

/**
 * Estimated input tokens of a native body: its texts, one token per two punctuation characters,
 * IMAGE_INPUT_TOKENS per image (its data or URL not counted as text) and DOCUMENT_INPUT_TOKENS per
 * document on top of its text (nativeMedia).
 */
export async function nativeInputTokens(body: Record<string, unknown>): Promise<number> {
  const media = nativeMedia(body);
  const json = jsonTexts(body, 'model', media.images);
  const fixed = media.images.size * IMAGE_INPUT_TOKENS + media.documents * DOCUMENT_INPUT_TOKENS;
  return boundedCount(await o200kCounter(), json.texts) + Math.ceil(json.punctuation / 2) + fixed;
}

/**
 * nativeInputTokens of `body`, read now and counted later, keeping only what the count needs: the
 * texts when they are short, else the sample it will count (text-sample.ts), never the body. For a
 * held stream, which would otherwise keep the client's whole body (megabytes of prompt, images) for
 * its life.
 */
export function nativeInputEstimate(body: Record<string, unknown>): () => Promise<number> {
  const media = nativeMedia(body);
  const json = jsonTexts(body, 'model', media.images);
  const fixed = media.images.size * IMAGE_INPUT_TOKENS + media.documents * DOCUMENT_INPUT_TOKENS + Math.ceil(json.punctuation / 2);
  let chars = 0;
  for (const text of json.texts) chars += text.length;
  if (chars <= EXACT_CHARS) {
    const texts = json.texts;
    return async () => boundedCount(await o200kCounter(), texts) + fixed;
  }
  const sample = sampleTexts(json.texts, chars, SAMPLE_WINDOWS, WINDOW_CHARS);
  return async () => sampledTokens(await o200kCounter(), sample) + fixed;
}

/** The image blocks and parts of a native body (distinct objects), and how many documents it has. */
export interface NativeMedia {
  images: Set<object>;
  documents: number;
}

/**
 * The images and documents where the vendors take them: Anthropic's `image` and `document` blocks
 * in `messages[].content` and in a `tool_result`'s `content`; the Responses API's `input_image` and
 * `input_file` parts in `input[].content` and a `function_call_output`'s `output`. Read off the
 * parsed body (a few property reads per part), nothing decoded; blocks elsewhere (a tool's schema)
 * are only text.
 */
export function nativeMedia(body: Record<string, unknown>): NativeMedia {
  const media: NativeMedia = { images: new Set(), documents: 0 };
  for (const turns of [body['messages'], body['input']]) {
    if (!Array.isArray(turns)) continue;
    for (const turn of turns) {
      if (!isObject(turn)) continue;
      addParts(turn['content'], media, true);
      addParts(turn['output'], media, false);
    }
  }
  return media;
}

const imageTypes = new Set(['image', 'input_image']);
const documentTypes = new Set(['document', 'input_file']);

function addParts(parts: unknown, media: NativeMedia, nested: boolean): void {
  if (!Array.isArray(parts)) return;
  for (const part of parts) {
    if (!isObject(part)) continue;
    const type = part['type'];
    if (typeof type !== 'string') continue;
    if (imageTypes.has(type)) media.images.add(part);
    else if (documentTypes.has(type)) media.documents += 1;
    else if (nested && type === 'tool_result') addParts(part['content'], media, false);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The generated text of a native whole answer, for its estimate when the vendor reported no usage
 * (an Anthropic-compatible server that sends none): an Anthropic Message's `content` blocks (text,
 * thinking, a `tool_use` block's input as JSON), the Responses API's `output` items (message texts,
 * function call arguments, reasoning summaries).
 */
export function answerTexts(answer: Record<string, unknown>): string[] {
  const texts: string[] = [];
  addTexts(answer['content'], texts, false);
  addTexts(answer['output'], texts, true);
  return texts;
}

const textFields = ['text', 'thinking', 'arguments'];

function addTexts(items: unknown, texts: string[], nested: boolean): void {
  if (!Array.isArray(items)) return;
  for (const item of items) {
    if (!isObject(item)) continue;
    for (const field of textFields) {
      const value = item[field];
      if (typeof value === 'string') texts.push(value);
    }
    if (item['type'] === 'tool_use' && isObject(item['input'])) addInput(item['input'], texts);
    if (nested) {
      addTexts(item['content'], texts, false);
      addTexts(item['summary'], texts, false);
    }
  }
}

/**
 * A `tool_use` block's input as JSON text; none when it nests too deeply to write out (JSON.parse
 * takes 100,000 levels, JSON.stringify throws a RangeError at a few thousand): the answer is then
 * the provider's 502 (encodedNativeAnswer), estimated from the rest.
 */
function addInput(input: Record<string, unknown>, texts: string[]): void {
  try {
    texts.push(JSON.stringify(input));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
}

/**
 * The estimate of a native call that ended without its final usage: `reported` is the usage the
 * vendor sent so far, `output` the content seen (a stream's sample, a whole answer's body; none for
 * a call that failed before its answer), `charge` what a call that failed before its answer
 * generated unseen (failedCallCharge: output, or the hidden reasoning of a reasoning call for its
 * visible output; reported-estimate.ts).
 */
export function nativeEstimate(
  body: Record<string, unknown> | (() => Promise<number>),
  reported: () => Usage,
  output: NativeOutputSample | Record<string, unknown> | undefined,
  charge: FailedCallCharge = {},
): () => Promise<UsageBuckets> {
  const unseen = charge.unseen;
  const seen = async (): Promise<number> => (await outputTokens(output)) + (unseen?.() ?? 0);
  // `body` as a function: the input estimate prepared by nativeInputEstimate (a held stream's).
  const input = typeof body === 'function' ? body : () => nativeInputTokens(body);
  return () => withReported(reported(), input, seen, charge.hidden);
}

function outputTokens(output: NativeOutputSample | Record<string, unknown> | undefined): Promise<number> {
  if (output === undefined) return Promise.resolve(0);
  return output instanceof NativeOutputSample ? output.tokens() : estimateTextTokens(answerTexts(output));
}
