import type { z } from 'zod';
import { SwitchboardError } from '../../errors.js';

/** Validates a request body; the error names the field (`param`) and why, never echoing values. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new SwitchboardError('invalid_request', 'Invalid request body');
  if (issue.code === 'unrecognized_keys') {
    throw new SwitchboardError('invalid_request', `Unknown field(s): ${issue.keys.join(', ')}`, { param: issue.keys[0] ?? null });
  }
  const field = issue.path.join('.');
  // A refused record key (a header name): the key schema's own reason, not zod's "Invalid key in record".
  const reason = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  const message = field ? `${field}: ${reason}` : reason;
  throw new SwitchboardError('invalid_request', `Invalid request body: ${message}`, { param: field || null });
}
