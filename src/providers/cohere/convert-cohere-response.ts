import type { ChatChoice, ChatResponse, ReasoningBlock, ToolCall } from '../spec/index.js';
import type { CohereChatResponse } from './cohere-api.js';
import { mapCohereFinishReason } from './map-cohere-finish-reason.js';
import { mapCohereUsage } from './map-cohere-usage.js';
import { vendorAnswerId } from '../shared/answer-id.js';

/**
 * A parsed `/v2/chat` answer as a ChatResponse. Only `text` content parts become the answer text;
 * `thinking` parts become reasoning; `tool_plan` (Cohere's note on why it calls tools) is not part of the answer.
 */
export function convertCohereResponse(response: CohereChatResponse, model: string, created: number, randomId: () => string): ChatResponse {
  let content: string | null = null;
  const reasoning: ReasoningBlock[] = [];
  for (const part of response.message.content ?? []) {
    if (part.type === 'text' && typeof part.text === 'string') content = (content ?? '') + part.text;
    if (part.type === 'thinking' && typeof part.thinking === 'string') reasoning.push({ text: part.thinking, origin: 'cohere' });
  }
  const toolCalls: ToolCall[] = (response.message.tool_calls ?? []).map((call) => ({
    id: call.id,
    name: call.function.name,
    arguments: call.function.arguments ?? '',
  }));
  const choice: ChatChoice = { index: 0, content, toolCalls, finishReason: mapCohereFinishReason(response.finish_reason) };
  if (reasoning.length > 0) choice.reasoning = reasoning;
  return {
    id: vendorAnswerId(response.id) ?? randomId(),
    model,
    created,
    choices: [choice],
    usage: mapCohereUsage(response.usage),
  };
}
