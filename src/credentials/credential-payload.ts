import { z } from 'zod';
import { SwitchboardError } from '../errors.js';
import { baseUrlProblem } from '../providers/spec/base-url.js';
import { isTransportHeader } from '../providers/spec/transport-headers.js';
import type { Credential } from '../providers/spec/index.js';

/** The JSON object stored (encrypted) per project and provider. */
export const credentialPayloadSchema = z
  .object({
    // Sent in a header: no line break or other control character (a pasted key's trailing newline).
    api_key: z.string().min(1, 'must not be empty').max(4096).regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must not contain line breaks or other control characters'),
    organization: z.string().min(1).max(256).regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must not contain line breaks or other control characters').optional(),
    // The path is appended to it: no user info, query string or fragment (as a provider's api_base_url).
    base_url: z
      .url({ protocol: /^https?$/ })
      .superRefine((url, context) => {
        const problem = baseUrlProblem(url);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    // Values as providers/shared/header-fields.ts (this layer cannot import it): no CR, LF or other control
    // character; no transport header (a Host header sent the key to another site behind a shared front).
    headers: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
          .refine((name) => !isTransportHeader(name), 'is set by the gateway (a transport header), not by a credential'),
        z.string().max(4096).regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must not contain line breaks or other control characters'),
      )
      .optional(),
  })
  .strict();

export type CredentialPayload = z.infer<typeof credentialPayloadSchema>;

/** Validates a payload; the error names the field but never echoes a value. */
export function parseCredentialPayload(value: unknown): CredentialPayload {
  const result = credentialPayloadSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || '(root)';
  const message =
    issue?.code === 'unrecognized_keys'
      ? `unknown field(s): ${issue.keys.join(', ')}`
      : issue?.code === 'invalid_key'
        ? (issue.issues[0]?.message ?? issue.message) // a bad header name: the key schema's own message
        : (issue?.message ?? 'invalid');
  throw new SwitchboardError('invalid_request', `Invalid credentials payload at ${field}: ${message}. Allowed fields: api_key, organization, base_url, headers.`, {
    param: field,
  });
}

/** The payload as the provider layer's Credential. */
export function toCredential(payload: CredentialPayload): Credential {
  return {
    apiKey: payload.api_key,
    ...(payload.organization === undefined ? {} : { organization: payload.organization }),
    ...(payload.base_url === undefined ? {} : { baseUrl: payload.base_url }),
    ...(payload.headers === undefined ? {} : { headers: payload.headers }),
  };
}

/** The last four characters of a key, for listings. */
export function keyHint(apiKey: string): string {
  return apiKey.length <= 8 ? '…' : `…${apiKey.slice(-4)}`;
}
