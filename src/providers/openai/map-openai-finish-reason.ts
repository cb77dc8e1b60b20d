import type { FinishReason } from '../spec/index.js';

/**
 * OpenAI's `finish_reason` in our vocabulary. `function_call` is the legacy name of `tool_calls`.
 * A missing or unknown value (compatible servers invent their own, e.g. `eos`) means a natural end,
 * or a tool turn when the answer carries tool calls. Mistral's `model_length` (the model's context
 * was full) is a length cut; DeepSeek's `insufficient_system_resource` (the answer was interrupted
 * for want of capacity) is an error finish, like Mistral's and OpenRouter's `error`.
 */
export function mapOpenAIFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
    case 'model_length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case 'error':
    case 'insufficient_system_resource':
      return 'error';
    default:
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}
