import type { ChatResponse, ToolCall } from '../spec/index.js';
import type { CohereChatResponse } from './cohere-api.js';
import { mapCohereFinishReason } from './map-cohere-finish-reason.js';
import { mapCohereUsage } from './map-cohere-usage.js';

/**
 * A parsed `/v2/chat` answer as a ChatResponse. Only `text` content parts become the answer text;
 * `tool_plan` (Cohere's note on why it calls tools) is not part of the answer.
 */
export function convertCohereResponse(response: CohereChatResponse, model: string, created: number): ChatResponse {
  let content: string | null = null;
  for (const part of response.message.content ?? []) {
    if (part.type === 'text' && typeof part.text === 'string') content = (content ?? '') + part.text;
  }
  const toolCalls: ToolCall[] = (response.message.tool_calls ?? []).map((call) => ({
    id: call.id,
    name: call.function.name,
    arguments: call.function.arguments ?? '',
  }));
  return {
    id: response.id,
    model,
    created,
    choices: [{ index: 0, content, toolCalls, finishReason: mapCohereFinishReason(response.finish_reason) }],
    usage: mapCohereUsage(response.usage),
  };
}
