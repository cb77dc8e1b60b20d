import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderError } from '../../errors.js';
import { upstreamError } from '../shared/provider-error.js';
import { parseRetryAfter } from '../shared/retry-after.js';
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
      ...(param === undefined ? {} : { param }),
      contextLengthExceeded: code === 'context_length_exceeded',
      ...retryAfterField(headers, context.now),
    },
    context.secrets,
  );
}

/**
 * An error sent inside a stream (`data: {"error":{…}}`) has no HTTP status of its own; one is
 * inferred from its type so it is classified like the same error before the stream.
 */
export function mapOpenAIStreamError(error: unknown, context: OpenAIErrorContext): ProviderError {
  return mapOpenAIError(streamErrorStatus(error), {}, { error }, context);
}

function streamErrorStatus(error: unknown): number {
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = fields['code'];
  const type = fields['type'];
  if (code === 'context_length_exceeded' || type === 'invalid_request_error') return 400;
  if (code === 'rate_limit_exceeded' || type === 'requests' || type === 'tokens') return 429;
  return 500;
}

function retryAfterField(headers: IncomingHttpHeaders, now: number): { retryAfter?: number } {
  const retryAfter = parseRetryAfter(headers, now);
  return retryAfter === undefined ? {} : { retryAfter };
}
