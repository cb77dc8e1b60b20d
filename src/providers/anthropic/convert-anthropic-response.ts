import { ProviderError } from '../../errors.js';
import type { ChatChoice, ChatResponse, ReasoningBlock, ToolCall } from '../spec/index.js';
import { anthropicMessageResponseSchema } from './anthropic-api.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';
import { vendorAnswerId } from '../shared/answer-id.js';
import { unreportedUsage } from '../shared/usage-buckets.js';
import { toolUseId } from './tool-use-id.js';

/**
 * A Message body → our ChatResponse: text blocks joined, `tool_use` blocks as tool calls (input
 * re-serialized as JSON text), `thinking` / `redacted_thinking` blocks as reasoning (with their
 * signature or data, origin `anthropic`), server-tool blocks skipped. Without a usable `id` the
 * answer gets `msg_<random>`, without a `model` the one asked for (`requestedModel`), as a stream
 * without `message_start` does; a `tool_use` block without an id gets `toolu_<random>`, and an
 * answer without `usage` reports none (the ledger estimates it), as a stream does. A body that is
 * not a Message (no `content` array, a block without a `type`, a `tool_use` block without a name)
 * is a 502 naming the provider.
 */
export function convertAnthropicResponse(provider: string, json: unknown, createdSeconds: number, randomId: () => string, requestedModel: string): ChatResponse {
  const parsed = anthropicMessageResponseSchema.safeParse(json);
  if (!parsed.success) throw malformed(provider, 'a response that is not an Anthropic Message', parsed.error);
  const message = parsed.data;
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  for (const block of message.content) {
    if (block.type === 'thinking' && typeof block['thinking'] === 'string') {
      const signature = block['signature'];
      reasoning.push({ text: block['thinking'], ...(typeof signature === 'string' ? { signature } : {}), origin: 'anthropic' });
      continue;
    }
    if (block.type === 'redacted_thinking' && typeof block['data'] === 'string') {
      reasoning.push({ text: '', redactedData: block['data'], origin: 'anthropic' });
      continue;
    }
    if (block.type === 'text' && typeof block['text'] === 'string') {
      text = (text ?? '') + block['text'];
    } else if (block.type === 'tool_use') {
      const name = block['name'];
      if (typeof name !== 'string' || name === '') throw malformed(provider, 'a tool_use block without a name');
      toolCalls.push({ id: toolUseId(block['id'], randomId), name, arguments: JSON.stringify(block['input'] ?? {}) });
    }
  }
  const choice: ChatChoice = { index: 0, content: text, toolCalls, finishReason: mapAnthropicFinishReason(message.stop_reason) };
  if (reasoning.length > 0) choice.reasoning = reasoning;
  return {
    id: vendorAnswerId(message.id) ?? `msg_${randomId()}`,
    model: typeof message.model === 'string' && message.model !== '' ? message.model : requestedModel,
    created: createdSeconds,
    choices: [choice],
    usage: message.usage == null ? unreportedUsage() : convertAnthropicUsage(message.usage),
  };
}

function malformed(provider: string, what: string, cause?: unknown): ProviderError {
  return new ProviderError('provider_error', `Provider '${provider}' returned ${what}`, { provider, status: 502, upstreamStatus: 200, cause });
}
