import type { FinishReason } from '../spec/index.js';

/**
 * Anthropic `stop_reason` → our finish reason. `pause_turn` (a server tool paused a long turn) ends
 * this answer normally; `model_context_window_exceeded` is a length stop. Unknown or missing values
 * (new ones may appear within an API version) count as a normal stop.
 */
export function mapAnthropicFinishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
