import { ProviderError } from '../../errors.js';
import { BilledProviderError } from '../shared/billed-provider-error.js';
import type { Usage } from '../spec/index.js';

/**
 * Gemini's `finishReason` values that say the generation failed rather than ended: the answer
 * holds no usable content (a broken or forbidden function call is dropped, not returned), so an
 * OpenAI client given `finish_reason: "stop"` would take an empty answer for the model's.
 * https://ai.google.dev/api/generate-content#FinishReason
 */
const failures: ReadonlyMap<string, string> = new Map([
  ['MALFORMED_FUNCTION_CALL', 'the function call the model generated is invalid'],
  ['UNEXPECTED_TOOL_CALL', 'the model called a tool the request did not enable'],
  ['TOO_MANY_TOOL_CALLS', 'the model called too many tools in a row'],
  ['MISSING_THOUGHT_SIGNATURE', 'a thought signature of an earlier function call is missing'],
  ['MALFORMED_RESPONSE', 'the response the model generated is malformed'],
]);

/** Whether `reason` is a failure (see googleFinishError). */
export function isGoogleFailure(reason: string | undefined): reason is string {
  return reason !== undefined && failures.has(reason);
}

/**
 * The retryable 502 `provider_error` for an answer (`source`: a JSON answer or a stream) that Gemini
 * ended with a failure `reason` (HTTP 200). Gemini bills the prompt: the usage it reported rides on
 * the error, for the ledger.
 */
export function googleFinishError(provider: string, source: 'stream' | 'answer', reason: string, usage: Usage): ProviderError {
  const text = `Provider '${provider}' ${source === 'stream' ? 'ended the stream' : 'answered'} with finishReason ${reason}: ${failures.get(reason) ?? 'the generation failed'}`;
  const options = { provider, status: 502, upstreamCode: reason, isRetryable: true };
  return usage.buckets === undefined ? new ProviderError('provider_error', text, options) : new BilledProviderError('provider_error', text, { ...options, usage });
}
