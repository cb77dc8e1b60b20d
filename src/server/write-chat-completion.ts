/**
 * The `chat.completion` answer written straight to JSON text: byte for byte what
 * `JSON.stringify(encodeChatCompletion(response, model))` gives (write-chat-completion.test.ts
 * holds the two equal on random answers), without building the object first and walking it again.
 * On a short answer that halves the cost of the encoding. An answer of an unusual shape (a value
 * of an unexpected type, native fields named like the answer's own keys or like array indices)
 * goes through encodeChatCompletion, so the text never differs.
 *
 * @module
 */
import type { ChatChoice, ChatResponse, ToolCall, Usage } from '../providers/spec/index.js';
import { encodeChatCompletion, encodeUsage, reasoningContent } from './encode-chat-completion.js';

/** JSON text of a string (what JSON.stringify gives for one). */
const quote = JSON.stringify as (value: string) => string;

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The keys encodeChatCompletion writes after the native fields (a native field of that name moves). */
const OWN_KEYS = new Set(['id', 'object', 'created', 'model', 'choices', 'usage', 'system_fingerprint']);
/** Keys an object lists before all others, in numeric order (array indices). */
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

/** The `chat.completion` JSON text of `response`, with `publicModel` as its model. */
export function writeChatCompletion(response: ChatResponse, publicModel: string): string {
  const head = nativeHead(response.native);
  const usage = writeUsage(response.usage);
  if (head === undefined || !plainTop(response)) return JSON.stringify(encodeChatCompletion(response, publicModel));
  let text = `{${head}"id":${quote(response.id)},"object":"chat.completion","created":${response.created},"model":${quote(publicModel)},"choices":[`;
  const { choices } = response;
  for (let index = 0; index < choices.length; index += 1) {
    const choice = writeChoice(choices[index]);
    if (choice === undefined) return JSON.stringify(encodeChatCompletion(response, publicModel));
    text += index === 0 ? choice : `,${choice}`;
  }
  text += `],"usage":${usage}`;
  if (response.systemFingerprint !== undefined) text += `,"system_fingerprint":${quote(response.systemFingerprint)}`;
  return `${text}}`;
}

/** OpenAI's usage object as JSON text (what `JSON.stringify(encodeUsage(usage))` gives). */
export function writeUsage(usage: Usage): string {
  const cached = usage.cachedInputTokens ?? 0;
  const reasoning = usage.reasoningTokens ?? 0;
  if (!isCount(usage.inputTokens) || !isCount(usage.outputTokens) || !isCount(usage.totalTokens) || !isCount(cached) || !isCount(reasoning)) {
    return JSON.stringify(encodeUsage(usage));
  }
  return `{"prompt_tokens":${usage.inputTokens},"completion_tokens":${usage.outputTokens},"total_tokens":${usage.totalTokens},"prompt_tokens_details":{"cached_tokens":${cached}},"completion_tokens_details":{"reasoning_tokens":${reasoning}}}`;
}

/** The native fields as `"key":value,` text, '' for none; undefined when a key would move. */
function nativeHead(native: Record<string, unknown> | undefined): string | undefined {
  const fields: unknown = native;
  if (fields === undefined || fields === null) return '';
  if (typeof fields !== 'object') return undefined;
  let text = '';
  for (const key of Object.keys(fields)) {
    if (OWN_KEYS.has(key) || INDEX_KEY.test(key)) return undefined;
    const value = JSON.stringify((fields as Record<string, unknown>)[key]) as string | undefined;
    if (value !== undefined) text += `${quote(key)}:${value},`;
  }
  return text;
}

function plainTop(response: ChatResponse): boolean {
  const fingerprint: unknown = response.systemFingerprint;
  return (
    typeof response.id === 'string' &&
    isCount(response.created) &&
    Array.isArray(response.choices) &&
    (fingerprint === undefined || typeof fingerprint === 'string')
  );
}

/** One choice as JSON text; undefined when it has an unusual shape. */
function writeChoice(choice: ChatChoice | undefined): string | undefined {
  if (choice === undefined || !isCount(choice.index) || typeof choice.finishReason !== 'string') return undefined;
  const content: unknown = choice.content;
  const refusal: unknown = choice.refusal;
  const logprobs: unknown = choice.logprobs;
  if (content !== null && typeof content !== 'string') return undefined;
  if (refusal !== undefined && refusal !== null && typeof refusal !== 'string') return undefined;
  if (logprobs !== undefined && logprobs !== null && (typeof logprobs !== 'object' || Array.isArray(logprobs))) return undefined;
  if (!Array.isArray(choice.toolCalls)) return undefined;
  let message = `{"role":"assistant","content":${content === null ? 'null' : quote(content)}`;
  const reasoning = reasoningContent(choice.reasoning);
  if (reasoning !== undefined) message += `,"reasoning_content":${quote(reasoning)}`;
  message += `,"refusal":${typeof refusal === 'string' ? quote(refusal) : 'null'}`;
  if (choice.toolCalls.length > 0) {
    const calls = writeToolCalls(choice.toolCalls);
    if (calls === undefined) return undefined;
    message += `,"tool_calls":${calls}`;
  }
  const logprobsText = logprobs === undefined || logprobs === null ? 'null' : (JSON.stringify(logprobs) as string);
  return `{"index":${choice.index},"message":${message}},"logprobs":${logprobsText},"finish_reason":${quote(choice.finishReason)}}`;
}

function writeToolCalls(calls: readonly ToolCall[]): string | undefined {
  let text = '[';
  for (let index = 0; index < calls.length; index += 1) {
    const call = calls[index];
    if (call === undefined || typeof call.id !== 'string' || typeof call.name !== 'string' || typeof call.arguments !== 'string') return undefined;
    if (index > 0) text += ',';
    text += `{"id":${quote(call.id)},"type":"function","function":{"name":${quote(call.name)},"arguments":${quote(call.arguments)}}}`;
  }
  return `${text}]`;
}
