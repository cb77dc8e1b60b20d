/**
 * The answer of `POST /chat/completions` checked structurally: it accepts exactly what
 * `openAIChatResponseSchema` accepts (`read-chat-response.test.ts` holds the two equal on random
 * answers) and returns the parsed JSON itself, typed, instead of zod's copy of every object. This
 * runs on every non-streaming call; zod's parse was about 1.5% of the bare gateway's busy time.
 *
 * @module
 */
import type { OpenAIChatResponse } from './openai-api.js';

type Checked = Record<string, unknown>;

const isObject = (value: unknown): value is Checked => typeof value === 'object' && value !== null && !Array.isArray(value);
const nullish = (value: unknown): boolean => value === undefined || value === null;
const optionalString = (value: unknown): boolean => nullish(value) || typeof value === 'string';
const optionalNumber = (value: unknown): boolean => nullish(value) || (typeof value === 'number' && Number.isFinite(value));
/** `z.record(z.string(), z.unknown())`: a plain object. */
function isRecord(value: unknown): boolean {
  if (!isObject(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Every element checked, holes included (`Array.prototype.every` skips them; zod does not). */
function all(values: readonly unknown[], check: (value: unknown) => boolean): boolean {
  for (let index = 0; index < values.length; index += 1) if (!check(values[index])) return false;
  return true;
}

function isToolCall(value: unknown): boolean {
  if (!isObject(value) || !optionalString(value['id'])) return false;
  const fn = value['function'];
  if (!isObject(fn) || typeof fn['name'] !== 'string') return false;
  const args = fn['arguments'];
  return nullish(args) || typeof args === 'string' || isRecord(args);
}

function isMessage(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (!optionalString(value['content']) || !optionalString(value['refusal']) || !optionalString(value['reasoning_content']) || !optionalString(value['reasoning'])) return false;
  const calls = value['tool_calls'];
  return nullish(calls) || (Array.isArray(calls) && all(calls, isToolCall));
}

function isChoice(value: unknown): boolean {
  if (!isObject(value)) return false;
  return optionalNumber(value['index']) && isMessage(value['message']) && optionalString(value['finish_reason']) && (nullish(value['logprobs']) || isRecord(value['logprobs']));
}

/** `openAIUsageSchema`: numbers where given, extra keys kept. */
export function isOpenAIUsage(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (!optionalNumber(value['prompt_tokens']) || !optionalNumber(value['completion_tokens']) || !optionalNumber(value['total_tokens'])) return false;
  const prompt = value['prompt_tokens_details'];
  if (!nullish(prompt) && !(isObject(prompt) && optionalNumber(prompt['cached_tokens']) && optionalNumber(prompt['cache_write_tokens']))) return false;
  const completion = value['completion_tokens_details'];
  return nullish(completion) || (isObject(completion) && optionalNumber(completion['reasoning_tokens']));
}

/** The answer, when it has the shape of a chat completion; else undefined. */
export function readOpenAIChatResponse(value: unknown): OpenAIChatResponse | undefined {
  if (!isObject(value)) return undefined;
  if (!optionalString(value['id']) || !optionalNumber(value['created']) || !optionalString(value['model'])) return undefined;
  if (!optionalString(value['system_fingerprint']) || !optionalString(value['service_tier'])) return undefined;
  const choices = value['choices'];
  if (!Array.isArray(choices) || !all(choices, isChoice)) return undefined;
  const usage = value['usage'];
  if (!nullish(usage) && !isOpenAIUsage(usage)) return undefined;
  return value as OpenAIChatResponse;
}
