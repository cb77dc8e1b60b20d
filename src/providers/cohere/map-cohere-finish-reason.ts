import type { FinishReason } from '../spec/index.js';

/**
 * Cohere's `finish_reason` in OpenAI's vocabulary. `ERROR` and `TIMEOUT` mean Cohere itself gave
 * up mid-generation; unknown future values count as a normal stop.
 */
export function mapCohereFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    case 'ERROR':
    case 'TIMEOUT':
      return 'error';
    default:
      return 'stop';
  }
}
