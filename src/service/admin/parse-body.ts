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
  const message = field ? `${field}: ${issue.message}` : issue.message;
  throw new SwitchboardError('invalid_request', `Invalid request body: ${message}`, { param: field || null });
}
