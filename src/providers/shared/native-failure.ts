/**
 * The vendor's in-stream failures on the native paths (an Anthropic or Responses `error` event, a
 * Responses `response.failed`), and a failed Response whole, as they are passed on: the vendor's
 * own protocol, its fields and their words kept, but the call's secrets redacted from every string
 * of the error, and the message of an error about the credentials or the account withheld (as an
 * error status's body never shows it). Control characters are left as the vendor sent them: the
 * client asked for the vendor's protocol, whose content events carry the model's text unchanged
 * too, and they travel JSON-escaped; the gateway's own errors are the ones it cleans (vendor-text.ts).
 *
 * @module
 */
import { failureStatusOf } from './failure-status.js';
import { redactor } from './redact.js';
import { ACCOUNT_ERROR, isAccountErrorCode } from './vendor-text.js';

/**
 * A failure event's data scrubbed: an Anthropic or Responses `error` event whole (a few fields), a
 * `response.failed` event's `response.error` only (the rest is the answer so far, which may be long
 * and is the model's, not the vendor's, words). Data that is not JSON, or nested too deeply to walk
 * (JSON.parse takes 100,000 levels; walking them overflows the stack), is redacted as text.
 */
export function scrubFailureEvent(data: string, provider: string, secrets: readonly (string | undefined)[]): string {
  const scrub = redactor(secrets);
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return scrub(data);
  }
  if (!isRecord(value)) return scrub(data);
  try {
    const response = value['response'];
    if (value['type'] === 'response.failed' && isRecord(response)) {
      if (response['error'] !== undefined) response['error'] = scrubError(response['error'], provider, scrub);
      return JSON.stringify(value);
    }
    const event = scrubError(value, provider, scrub) as Record<string, unknown>;
    // Anthropic's `{"type":"error","error":{type, message}}`; the Responses API's fields are the event's own.
    if (isRecord(event['error'])) withholdAccountMessage(event['error'], provider);
    return JSON.stringify(event);
  } catch (error) {
    if (error instanceof RangeError) return scrub(data);
    throw error;
  }
}

/**
 * The HTTP status a failure event stands for (failure-status.ts): from its error object (Anthropic's
 * `error`, a `response.failed` event's `response.error`, the Responses `error` event's own fields,
 * an unnamed `{"error": …}`); 502 when it names none or is not JSON.
 */
export function failureEventStatus(data: string): number {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return 502;
  }
  if (!isRecord(value)) return 502;
  const response = value['response'];
  const error = value['type'] === 'response.failed' && isRecord(response) ? response['error'] : isRecord(value['error']) ? value['error'] : value;
  return failureStatusOf(error) ?? 502;
}

/**
 * A failed Response's `error` (`{code, message}`) scrubbed as in a `response.failed` event. One
 * nested too deeply to walk throws the RangeError that makes it the provider's 502 (upstreamFailure).
 */
export function scrubFailureError(error: unknown, provider: string, secrets: readonly (string | undefined)[]): unknown {
  return scrubError(error, provider, redactor(secrets));
}

function scrubError(error: unknown, provider: string, scrub: (text: string) => string): unknown {
  const scrubbed = redactStrings(error, scrub);
  if (isRecord(scrubbed)) withholdAccountMessage(scrubbed, provider);
  return scrubbed;
}

/** An error object whose `type` or `code` is about the credentials or the account says so instead of its message. */
function withholdAccountMessage(error: Record<string, unknown>, provider: string): void {
  if (typeof error['message'] !== 'string' || !(isAccountErrorCode(error['type']) || isAccountErrorCode(error['code']))) return;
  error['message'] = `Provider '${provider}' sent ${ACCOUNT_ERROR}, its message withheld`;
}

function redactStrings(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, scrub));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[scrub(key)] = redactStrings(item, scrub);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
