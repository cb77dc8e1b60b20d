/**
 * The HTTP status a vendor's failure sent after its 200 stands for (an error event inside a stream,
 * or an error body answered with 200), where the status line cannot say it: a numeric `code` that
 * is an HTTP error status (OpenRouter's `429`, LiteLLM's `"500"`), else the status the vendor pairs
 * with its error type or code (Anthropic's `overloaded_error` 529, OpenAI's `rate_limit_exceeded`).
 *
 * @module
 */
import { httpErrorStatus } from './provider-error.js';

/** Vendors' error types and codes and the status each is answered with when it has one. */
const statusForName: Readonly<Record<string, number>> = {
  // Anthropic's error types.
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
  // OpenAI's codes (chat completions and the Responses API's `error` / `response.failed`).
  context_length_exceeded: 400,
  invalid_prompt: 400,
  invalid_api_key: 401,
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  server_error: 500,
};

/** The status `name` (a vendor's error type or code) stands for, if it is a known one. */
export function statusForErrorName(name: unknown): number | undefined {
  return typeof name === 'string' && Object.hasOwn(statusForName, name) ? statusForName[name] : undefined;
}

/** The status an error object (`{code, type, …}`) sent after a 200 stands for, if it says one. */
export function failureStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const fields = error as Record<string, unknown>;
  return httpErrorStatus(fields['code']) ?? statusForErrorName(fields['code']) ?? statusForErrorName(fields['type']);
}
