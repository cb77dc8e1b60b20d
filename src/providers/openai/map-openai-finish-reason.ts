import type { FinishReason } from '../spec/index.js';

/**
 * OpenAI's `finish_reason` in our vocabulary. `function_call` is the legacy name of `tool_calls`.
 * A missing or unknown value (compatible servers invent their own, e.g. `eos`) means a natural end,
 * or a tool turn when the answer carries tool calls.
 */
export function mapOpenAIFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case 'error':
      return 'error';
    default:
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}
