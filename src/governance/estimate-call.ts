/**
 * A call's worst case in tokens, for reservations, computed before the upstream call (on the
 * request's path, so its CPU counts): the most the call may generate (`max_tokens`, else the model
 * row's `max_tokens`, else DEFAULT_MAX_OUTPUT_TOKENS; a governed call whose client set no limit
 * gets this one upstream: chatOutputCap, nativeOutputCap), and the input:
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
 * A native call with a web search tool also bounds its searches (nativeWebSearches), which the
 * governor prices at `web_search_per_call`.
 *
 * @module
 */
import { budgetByEffort, MIN_THINKING_BUDGET, requestedBudget } from '../providers/shared/reasoning.js';
import type { ChatRequest, NativeApi } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { chatInputTokenBound, chatMessageText, inputFramingTokens, promptExtraTexts } from '../usage/estimate-tokens.js';
import { jsonTexts } from '../usage/json-texts.js';
import { chatImageCount, DOCUMENT_INPUT_TOKENS, IMAGE_INPUT_TOKENS } from '../usage/media-tokens.js';
import { nativeMedia } from '../usage/native-estimate.js';
import { sampledTokens, sampleTexts } from '../usage/text-sample.js';
import { o200kCounter } from '../usage/tokenizer/count-tokens.js';
import type { TokenEstimate, WebSearchBound } from './governor.js';

/** Output tokens reserved when neither the request nor the model row bounds them. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** Whether a request's limit (output tokens, tool uses) is one a vendor honours (a positive integer). */
function isOutputLimit(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/**
 * Inputs up to this many tokens by their byte bound are reserved at the bound (at most ~770 tokens
 * over the tokenizer's count, released at settlement); longer ones go through the tokenizer.
 */
export const BYTE_BOUND_MAX_TOKENS = 1024;

/** Input tokens reserved per image part: the ledger's estimates count the same (usage/media-tokens.ts). */
export { IMAGE_INPUT_TOKENS };

/** What a chat call's reservation reads from the request. */
export type ChatCallShape = Pick<ChatRequest, 'messages' | 'maxTokens' | 'n' | 'tools' | 'responseFormat' | 'reasoning'>;

/**
 * Synchronous for a short input (its byte bound); a promise when it needs the tokenizer. The input
 * is the messages' texts, the tool definitions and a JSON schema's text (vendors put both in the
 * prompt) and IMAGE_INPUT_TOKENS per image. The output is the bound per choice (`n`: each choice may
 * generate up to it; the input is billed once): chatOutputCap.
 */
export function estimateChatCall(request: ChatCallShape, model: ModelEntry): TokenEstimate | Promise<TokenEstimate> {
  const { messages } = request;
  const extra = promptExtras(request);
  const images = chatImageCount(messages);
  const bound = chatInputTokenBound(messages) + extra.bytes + images * IMAGE_INPUT_TOKENS;
  const outputTokens = chatOutputBound(request, model);
  if (bound <= BYTE_BOUND_MAX_TOKENS) return { inputTokens: bound, outputTokens };
  const fixed = inputFramingTokens(messages.length) + images * IMAGE_INPUT_TOKENS;
  const texts = messages.map(chatMessageText);
  if (extra.texts.length > 0) texts.push(...extra.texts);
  return reserveTokens(texts, bound - fixed).then((tokens) => ({ inputTokens: fixed + tokens, outputTokens }));
}

function chatOutputBound(request: ChatCallShape, model: ModelEntry): number {
  return chatOutputCap(request, model) * (request.n ?? 1);
}

/**
 * The most one choice of a chat call may generate, as its reservation counts it: the request's
 * `max_tokens`, which every vendor is sent as it is and which counts reasoning too (Anthropic's
 * thinking budget is fitted under it: convert-anthropic-thinking.ts). Without one: the model row's
 * `max_tokens`, else DEFAULT_MAX_OUTPUT_TOKENS, plus the thinking budget (at least
 * MIN_THINKING_BUDGET) when the request asks for reasoning, within the model row's `max_tokens`,
 * as Anthropic's `max_tokens` then grows. Sent upstream as the output limit of a governed call whose
 * client set none (service/output-cap.ts).
 */
export function chatOutputCap(request: Pick<ChatRequest, 'maxTokens' | 'reasoning'>, model: ModelEntry): number {
  if (isOutputLimit(request.maxTokens)) return request.maxTokens;
  return withThinking(model.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS, requestedBudget(request.reasoning) ?? 0, model);
}

/** `visible` plus a thinking budget (at least MIN_THINKING_BUDGET), within the model row's `max_tokens`; never below `visible`. */
function withThinking(visible: number, thinking: number, model: ModelEntry): number {
  if (thinking <= 0) return visible;
  return Math.max(visible, Math.min(visible + Math.max(thinking, MIN_THINKING_BUDGET), model.maxTokens ?? Number.MAX_SAFE_INTEGER));
}

/** The tool definitions' and the response schema's text (promptExtraTexts) and their UTF-8 bytes. */
function promptExtras(request: ChatCallShape): { texts: readonly string[]; bytes: number } {
  const texts = promptExtraTexts(request);
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  return { texts, bytes };
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
export async function estimateNativeCall(body: Record<string, unknown>, api: NativeApi, model: ModelEntry): Promise<TokenEstimate> {
  // Images and documents where the vendors take them count at their fixed figures, not as the
  // text of their base64 data or URL (usage/native-estimate.ts counts them the same way).
  const media = nativeMedia(body);
  const json = jsonTexts(body, 'model', media.images);
  let bytes = 0;
  for (const text of json.texts) bytes += Buffer.byteLength(text, 'utf8');
  const texts = bytes + json.punctuation <= BYTE_BOUND_MAX_TOKENS ? bytes + json.punctuation : (await reserveTokens(json.texts, bytes)) + Math.ceil(json.punctuation / 2);
  const inputTokens = texts + media.images.size * IMAGE_INPUT_TOKENS + media.documents * DOCUMENT_INPUT_TOKENS;
  const estimate: TokenEstimate = { inputTokens, outputTokens: nativeOutputCap(body, api, model) };
  const webSearches = nativeWebSearches(body);
  if (webSearches !== undefined) estimate.webSearches = webSearches;
  return estimate;
}

/**
 * The web searches a native body's web search tools may run: Anthropic's `web_search_*` server tools
 * (each capped by its `max_uses`) and the Responses API's `web_search*` tools (capped together, with
 * every other built-in tool, by the body's `max_tool_calls`). Undefined without such a tool. The
 * body is the one the row's rules let through (server/native-tool-rules.ts): a tool still in it
 * reaches the vendor. Chat completions carry none: their tools are the client's functions, and
 * `web_search_options` (a row may pass it) reports no count to settle (docs/usage.md#web-search).
 */
export function nativeWebSearches(body: Record<string, unknown>): WebSearchBound | undefined {
  const tools = body['tools'];
  if (!Array.isArray(tools)) return undefined;
  let found = false;
  let capped = 0;
  let uncapped = false;
  for (const tool of tools) {
    if (typeof tool !== 'object' || tool === null) continue;
    const type: unknown = (tool as Record<string, unknown>)['type'];
    if (typeof type !== 'string' || !type.startsWith('web_search')) continue;
    found = true;
    const maxUses: unknown = (tool as Record<string, unknown>)['max_uses'];
    if (isOutputLimit(maxUses)) capped = Math.min(capped + maxUses, Number.MAX_SAFE_INTEGER);
    else uncapped = true;
  }
  if (!found) return undefined;
  const maxToolCalls = body['max_tool_calls'];
  return isOutputLimit(maxToolCalls) ? { capped: uncapped ? maxToolCalls : Math.min(capped, maxToolCalls), uncapped: false } : { capped, uncapped };
}

/**
 * The field of each native API that limits the output (a field of the other API is not a limit
 * there; absent: the API generates nothing).
 */
export const nativeLimitField: Partial<Record<NativeApi, string>> = { 'anthropic-messages': 'max_tokens', 'openai-responses': 'max_output_tokens' };

/**
 * The most a native call may generate, as its reservation counts it: the body's own limit in its
 * API's field (`max_tokens` on Messages, `max_output_tokens` on Responses: both vendors count
 * thinking in it; a Responses body's `max_tokens` limits nothing there), else the model row's
 * `max_tokens` or DEFAULT_MAX_OUTPUT_TOKENS plus the thinking budget of a Responses body's
 * `reasoning.effort`, as chatOutputCap adds it. Sent upstream when the body sets none and the call
 * is governed (service/output-cap.ts).
 */
export function nativeOutputCap(body: Record<string, unknown>, api: NativeApi, model: ModelEntry): number {
  const requested = body[nativeLimitField[api] ?? 'max_tokens'];
  if (isOutputLimit(requested)) return requested;
  return withThinking(model.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS, effortBudget(body['reasoning']), model);
}

/** The shared budget of a Responses body's `reasoning.effort` (0 when it sets none or an unknown one). */
function effortBudget(reasoning: unknown): number {
  if (typeof reasoning !== 'object' || reasoning === null) return 0;
  const effort: unknown = (reasoning as Record<string, unknown>)['effort'];
  return typeof effort === 'string' && Object.hasOwn(budgetByEffort, effort) ? budgetByEffort[effort as keyof typeof budgetByEffort] : 0;
}

/** Tokens of texts for a reservation: the byte bound when short, else reserveTokens. */
async function textTokens(texts: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, 'utf8');
  if (bytes <= BYTE_BOUND_MAX_TOKENS) return bytes;
  return reserveTokens(texts, bytes);
}

/**
 * A reservation picks a long-prompt price tier (`pricing.tiers`) for its estimated input × this:
 * the estimate counts o200k tokens, and the vendor's own tokenizer, which decides the tier, may
 * count the same text as more (Claude's counts English prose at about 1.2-1.35× o200k, code
 * more). A call estimated above 2/3 of a threshold (133,334 tokens for 200,000) is reserved at
 * that tier; settlement charges the tier the vendor's counts fall in and releases the rest.
 */
export const TIER_MARGIN = 1.5;

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
