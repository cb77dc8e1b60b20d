import type { FinishReason } from '../spec/index.js';

const filtered = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini's `finishReason` in OpenAI's vocabulary. Gemini has no tool-call reason: a turn with
 * function calls ends with `STOP`. Other reasons (`OTHER`, `LANGUAGE`, unknown ones) are `stop`;
 * the failure reasons (`MALFORMED_FUNCTION_CALL`…) never get here: they are errors (google-finish-error.ts).
 * A missing reason counts as `STOP`.
 */
export function mapGoogleFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (reason === undefined || reason === 'STOP') return hasToolCalls ? 'tool_calls' : 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  return filtered.has(reason) ? 'content_filter' : 'stop';
}
