/**
 * Normalized answers → Anthropic `message` objects (for models of other vendors; Anthropic models
 * answer natively). Content order is the vendor's: thinking blocks, then text, then `tool_use`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { SwitchboardError } from '../../errors.js';
import type { ChatResponse, FinishReason, ProviderFamily, ReasoningBlock, ToolCall, Usage } from '../../providers/spec/index.js';
import { brokenToolArguments } from '../arguments-scan.js';
import { encodeSignature } from './reasoning-signature.js';

/** Anthropic's `usage`: `input_tokens` leaves out cache reads and writes, which are separate. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** Anthropic's stop reasons that a normalized finish can become. */
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'refusal';

type ContentBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'text'; text: string; citations: null }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** Normalized usage → Anthropic's four counters. */
export function encodeAnthropicUsage(usage: Usage): AnthropicUsage {
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheCreationInputTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

/**
 * `stop` → `end_turn` (vendors outside Anthropic do not say whether a stop sequence matched, so
 * `stop_sequence` is never reported for them), `length` → `max_tokens`, `tool_calls` → `tool_use`,
 * `content_filter` → `refusal`. A vendor-side `error` finish is an `api_error`.
 */
export function encodeStopReason(finish: FinishReason, provider: string): AnthropicStopReason {
  switch (finish) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'error':
      throw new SwitchboardError('provider_error', `The provider '${provider}' ended the generation with an error.`);
  }
}

/**
 * The stop reason of a turn: a `stop` finish of a turn that called tools is `tool_use` (OpenAI ends a
 * call forced by name with `stop`, as do some compatible servers' streams; Anthropic's clients run
 * tools only on `tool_use`), and of a refused turn `refusal`.
 */
export function turnStopReason(finish: FinishReason, provider: string, calledTools: boolean, refused: boolean): AnthropicStopReason {
  if (finish !== 'stop') return encodeStopReason(finish, provider);
  return refused ? 'refusal' : calledTools ? 'tool_use' : 'end_turn';
}

/** An Anthropic-style message id for a vendor id (kept when it already is one). */
export function messageId(vendorId: string | undefined): string {
  if (vendorId !== undefined && vendorId.startsWith('msg_')) return vendorId;
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

/** A reasoning block as an Anthropic thinking (or redacted thinking) block. */
function thinkingBlock(block: ReasoningBlock, family: ProviderFamily | undefined): ContentBlock {
  if (block.redactedData !== undefined) return { type: 'redacted_thinking', data: block.redactedData };
  const origin = block.origin ?? family;
  return { type: 'thinking', thinking: block.text, signature: block.signature === undefined ? '' : encodeSignature(block.signature, origin) };
}

/** Tool arguments as the `input` object; undefined when they are not one JSON object (none at all are `{}`). */
function toolInput(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A call's `input`. Arguments that are not an object are `{}` in an answer cut short (`max_tokens`,
 * `refusal`: clients do not run its tools) and the provider's error in a `tool_use` turn: no
 * `tool_use` block is made of them (the Anthropic SDK would complete cut JSON into other arguments,
 * or the client would run the tool with `{}`).
 */
function callInput(call: ToolCall, provider: string, toolTurn: boolean): Record<string, unknown> {
  const input = toolInput(call.arguments);
  if (input !== undefined) return input;
  if (toolTurn) throw brokenToolArguments(provider, call.name, 'a tool_use turn');
  return {};
}

/**
 * A normalized answer → the `message` JSON. `family` is the serving provider's (it tags the
 * signatures of reasoning blocks that carry no origin); `publicModel` is what the client asked for.
 */
export function encodeMessage(
  response: ChatResponse,
  publicModel: string,
  provider: string,
  family: ProviderFamily | undefined,
): Record<string, unknown> {
  const choice = response.choices[0];
  const content: ContentBlock[] = [];
  for (const block of choice?.reasoning ?? []) content.push(thinkingBlock(block, family));
  if (choice?.content) content.push({ type: 'text', text: choice.content, citations: null });
  // OpenAI's refusal (structured outputs): Anthropic has no refusal block; its text and the stop reason say it.
  const refused = typeof choice?.refusal === 'string' && choice.refusal !== '';
  if (refused) content.push({ type: 'text', text: choice.refusal as string, citations: null });
  const calls = choice?.toolCalls ?? [];
  const stopReason = turnStopReason(choice?.finishReason ?? 'stop', provider, calls.length > 0, refused);
  for (const call of calls) content.push({ type: 'tool_use', id: call.id, name: call.name, input: callInput(call, provider, stopReason === 'tool_use') });
  return {
    id: messageId(response.id),
    type: 'message',
    role: 'assistant',
    model: publicModel,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: encodeAnthropicUsage(response.usage),
  };
}
