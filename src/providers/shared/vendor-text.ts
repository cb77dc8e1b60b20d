/**
 * A vendor's own words (an error message) as the gateway's errors show them to clients, logs and
 * terminals: rid of control characters, redacted, bounded; withheld for an error about the
 * credentials or the account.
 *
 * @module
 */
import { MAX_REDACTED_INPUT, redact } from './redact.js';

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and the invisible ones that
 * reorder or hide text (bidi controls and marks, zero widths, the BOM).
 */
// eslint-disable-next-line no-control-regex -- matching them is the point
const controls = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g;

/**
 * `text` as an error may show it: each run of control characters a space, redacted of `secrets`
 * (see redact; or by a redaction function of the caller's), trimmed, and cut at `max` characters
 * (code points) with an ellipsis.
 */
export function vendorText(text: string, secrets: readonly (string | undefined)[] | ((text: string) => string), max: number): string {
  const cleaned = text.slice(0, MAX_REDACTED_INPUT).replace(controls, ' ');
  const clean = (typeof secrets === 'function' ? secrets(cleaned) : redact(cleaned, secrets)).trim();
  if (clean.length <= max) return clean;
  const characters = Array.from(clean);
  return characters.length > max ? `${characters.slice(0, max).join('').trimEnd()}…` : clean;
}

/**
 * Codes of an account out of quota or credit (a 429 or 402 that waiting does not fix): a route
 * blocks the credential on them as on a 401 (src/routing/retry-policy.ts).
 */
const quotaCodes: readonly string[] = ['insufficient_quota', 'billing_hard_limit_reached', 'billing_not_active', 'credit_balance_too_low', 'quota_exceeded'];

/**
 * Codes and types of an error about the credentials or the account (its limits, quota or credit):
 * its message is not shown, as for a 401, 402, 403 or 429 (vendors echo key fragments there, and
 * describe the account every tenant shares: its limits and use). The quota codes are among them.
 */
const accountCodes: ReadonlySet<string> = new Set([
  '401',
  '402',
  '403',
  '429',
  'invalid_api_key',
  'authentication_error',
  'permission_error',
  'billing_error',
  'rate_limit_exceeded',
  'rate_limit_error',
  ...quotaCodes,
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
]);

const quotaCodeSet: ReadonlySet<string> = new Set(quotaCodes);

/** Whether a vendor's error code (as ProviderError.upstreamCode holds it) says the account is out of quota or credit. */
export function isQuotaErrorCode(code: string | undefined): boolean {
  return code !== undefined && quotaCodeSet.has(code);
}

/** Whether a vendor's error `code` or `type` (a string, or a number such as OpenRouter's 429) is about the credentials or the account. */
export function isAccountErrorCode(code: unknown): boolean {
  if (typeof code === 'number') return Number.isInteger(code) && accountCodes.has(String(code));
  return typeof code === 'string' && accountCodes.has(code);
}

/**
 * Whether a vendor's 402 message says that this request costs more than the credit left affords
 * while some is left: OpenRouter's "… or fewer max_tokens. You requested up to 32000 tokens, but
 * can only afford 27342" and "Prompt tokens limit exceeded: 230799 > 91442". A smaller request
 * would pass, so it is the request's failure, not the account's (retry-policy.ts does not block the
 * credential on it: a client could otherwise have it blocked at will). "can only afford 0" is an
 * account with nothing left. Read only to spare a block: a vendor that rewords it gets the block.
 */
export function isRequestOverCredit(message: string | undefined): boolean {
  if (message === undefined) return false;
  const match = /can only afford (\d+)|tokens limit exceeded: \d+ > (\d+)/i.exec(message.slice(0, 1000));
  return match !== null && Number(match[1] ?? match[2]) > 0;
}

/** What an error about the credentials or the account says instead of the vendor's message. */
export const ACCOUNT_ERROR = "an error about the credentials or the account's limits";
