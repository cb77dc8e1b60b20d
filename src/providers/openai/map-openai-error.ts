import type { IncomingHttpHeaders } from 'node:http';
import { ProviderError } from '../../errors.js';
import { clientStatus, codeForStatus, httpErrorStatus, upstreamError } from '../shared/provider-error.js';
import { MIN_FRAGMENT, REDACTED, redact, safeUpstreamCode } from '../shared/redact.js';
import { parseRetryAfter } from '../shared/retry-after.js';
import { ACCOUNT_ERROR, isAccountErrorCode, vendorText } from '../shared/vendor-text.js';
import { openAIErrorBodySchema } from './openai-api.js';

/** What the error mapper needs besides the body. */
export interface OpenAIErrorContext {
  provider: string;
  /** Secrets to scrub from vendor messages (the call's API key). */
  secrets: readonly (string | undefined)[];
  now: number;
}

/**
 * The ProviderError for an OpenAI(-compatible) error response, classified from the body's fields
 * (`error.type`, `error.code`, `error.param`) and the status; `retry-after-ms`/`retry-after` become
 * `retryAfter`. Also reads the looser shapes compatible servers use (`{error:"…"}`, `{detail}`).
 */
export function mapOpenAIError(
  status: number,
  headers: IncomingHttpHeaders,
  body: unknown,
  context: OpenAIErrorContext,
): ProviderError {
  const parsed = openAIErrorBodySchema.safeParse(body);
  let message: string | undefined;
  let type: string | undefined;
  let code: string | undefined;
  let param: string | undefined;
  if (parsed.success) {
    const { error } = parsed.data;
    if (typeof error === 'string') {
      message = error;
    } else if (error) {
      message = error.message ?? undefined;
      type = error.type ?? undefined;
      code = error.code == null ? undefined : String(error.code);
      param = error.param ?? undefined;
    }
    message ??= parsed.data.message ?? (typeof parsed.data.detail === 'string' ? parsed.data.detail : undefined);
  }
  return upstreamError(
    context.provider,
    status,
    {
      ...(message === undefined ? {} : { message }),
      ...(code ?? type ? { upstreamCode: code ?? type } : {}),
      ...(code !== undefined && type !== undefined ? { upstreamType: type } : {}),
      ...(param === undefined ? {} : { param }),
      contextLengthExceeded: code === 'context_length_exceeded',
      ...retryAfterField(headers, context.now),
    },
    context.secrets,
  );
}

/**
 * An error sent inside a stream (`data: {"error":{…}}`) has no HTTP status of its own: its `code`
 * is that status when it is one (OpenRouter's `code: 429`, see httpErrorStatus), else one is
 * inferred from its type, so it is classified like the same error before the stream.
 */
export function mapOpenAIStreamError(error: unknown, context: OpenAIErrorContext): ProviderError {
  return mapOpenAIError(streamErrorStatus(error), {}, { error }, context);
}

function streamErrorStatus(error: unknown): number {
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = fields['code'];
  const type = fields['type'];
  const status = httpErrorStatus(code);
  if (status !== undefined) return status;
  if (code === 'context_length_exceeded' || type === 'invalid_request_error') return 400;
  if (code === 'rate_limit_exceeded' || type === 'requests' || type === 'tokens') return 429;
  return 500;
}

function retryAfterField(headers: IncomingHttpHeaders, now: number): { retryAfter?: number } {
  const retryAfter = parseRetryAfter(headers, now);
  return retryAfter === undefined ? {} : { retryAfter };
}

/** Most characters of a vendor's message that the error of an answer with an error body names. */
const maxAnsweredMessage = 200;

/**
 * The error of a success status whose body is an error instead of the answer (`{"error": {…}}` or
 * `{"error": "…"}`: vLLM, LiteLLM proxies, OpenRouter); undefined when the body holds none. Its
 * `code` that is an HTTP error status (OpenRouter's 429, vLLM's 400: httpErrorStatus) is its
 * status, classified as that status would be; otherwise it is the provider's retryable 502 with no
 * upstream status or code, as an answer that is no answer (a route moves on as after a cut
 * connection: a string code such as `content_filter` classifies nothing). It names the vendor's
 * message and its type and code. The message is redacted of `secrets` (the credential's) and of
 * `sent`, every other value of a header the call sent (a proxy may echo the request's headers):
 * one shorter than a redaction fragment (a flag, a vendor's name) where it stands alone, not inside
 * the word, host name or path that holds it; it is rid of control characters and cut at 200
 * characters. The message of an error about the credentials or the account's limits is not
 * shown at all.
 */
export function mapOpenAIAnsweredError(
  body: unknown,
  provider: string,
  secrets: readonly (string | undefined)[],
  sent: readonly (string | undefined)[] = [],
): ProviderError | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>)['error'];
  const fields = typeof error === 'object' && error !== null && !Array.isArray(error) ? (error as Record<string, unknown>) : undefined;
  if (typeof error !== 'string' && fields === undefined) return undefined;
  const scrub = scrubber(secrets, sent);
  const codes = (['type', 'code'] as const).flatMap((name) => {
    const value = fields?.[name];
    const code = typeof value === 'string' ? safeUpstreamCode(value, secrets) : undefined;
    const shown = typeof value === 'number' && Number.isInteger(value) ? String(value) : code !== undefined && scrub(code) === code ? code : undefined;
    return shown === undefined ? [] : [[name, shown] as const];
  });
  const named = codes.length === 0 ? '' : ` (${codes.map(([name, shown]) => `${name} ${shown}`).join(', ')})`;
  const prefix = `Provider '${provider}' answered HTTP 200 with an error`;
  const status = httpErrorStatus(fields?.['code']);
  // Only a code that is an HTTP status classifies it (as that status); a string code never does.
  const options = status === undefined ? { provider, status: 502 } : { provider, status: clientStatus(status), upstreamStatus: status, upstreamCode: String(status) };
  const code = status === undefined ? 'provider_error' : codeForStatus(status);
  if (codes.some(([, shown]) => isAccountErrorCode(shown))) {
    return new ProviderError(code, `Provider '${provider}' answered HTTP 200 with ${ACCOUNT_ERROR}${named}, its message withheld`, options);
  }
  const text = typeof error === 'string' ? error : fields?.['message'];
  const message = typeof text === 'string' ? vendorText(text, scrub, maxAnsweredMessage) : '';
  return new ProviderError(code, `${prefix}${message === '' ? ' and no message' : `: ${message}`}${named}`, options);
}

/**
 * Redaction of the credential's `secrets` and the `sent` header values: those shorter than a
 * redaction fragment only where no letter, digit or `._~/+-` joins them to the text around them
 * (a sentence's full stop does not: `openai.` is redacted, `api.openai.com` is not).
 */
function scrubber(secrets: readonly (string | undefined)[], sent: readonly (string | undefined)[]): (text: string) => string {
  const long = sent.filter((value) => value !== undefined && value.length >= MIN_FRAGMENT);
  const words = sent.flatMap((value) => (value !== undefined && value.length >= 4 && value.length < MIN_FRAGMENT ? [value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')] : []));
  const standalone = words.length === 0 ? undefined : new RegExp(`(?<![A-Za-z0-9._~/+-])(?:${words.join('|')})(?![A-Za-z0-9_~/+-]|\\.[A-Za-z0-9])`, 'g');
  const all = [...secrets, ...long];
  return (text) => {
    const redacted = redact(text, all);
    return standalone === undefined ? redacted : redacted.replace(standalone, REDACTED);
  };
}
