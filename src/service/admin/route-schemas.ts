/**
 * Request bodies of the route admin API (and the CLI flags that map onto them).
 *
 * @module
 */
import { z } from 'zod';
import { ERROR_CLASSES } from '../../routing/retry-policy.js';

const routeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, 'must start with a letter or digit and use only A-Z a-z 0-9 . _ : / @ + -').max(128);
const armName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, 'must start with a letter or digit and use only A-Z a-z 0-9 . _ : / @ + -').max(64);

export const targetSchema = z
  .object({
    model: z.string().min(1).max(200),
    weight: z.number().min(0).max(1_000_000),
    tier: z.number().int().min(0).max(100).optional(),
    arm: armName.nullable().optional(),
    accepts: z.array(z.enum(ERROR_CLASSES)).optional(),
  })
  .strict();
export type TargetBody = z.infer<typeof targetSchema>;

const settings = {
  strategy: z.literal('weighted').optional(),
  sticky_key: z.enum(['none', 'user', 'header', 'user_or_header']).optional(),
  max_attempts: z.number().int().min(1).max(10).optional(),
  deadline_ms: z.number().int().min(100).max(600_000).optional(),
  retries_per_target: z.number().int().min(0).max(3).optional(),
  max_retry_wait_ms: z.number().int().min(0).max(60_000).optional(),
  breaker_failures: z.number().int().min(1).max(1000).optional(),
  breaker_failure_rate: z.number().gt(0).max(1).optional(),
  breaker_window: z.number().int().min(2).max(10_000).optional(),
  breaker_cooldown_ms: z.number().int().min(100).max(3_600_000).optional(),
  is_active: z.boolean().optional(),
  description: z.string().max(1000).nullable().optional(),
};

export const routeCreateSchema = z
  .object({ name: routeName, project: z.string().min(1).max(100).nullable().optional(), targets: z.array(targetSchema).max(100).optional(), ...settings })
  .strict();
export const routeUpdateSchema = z.object({ targets: z.array(targetSchema).max(100).optional(), ...settings }).strict();
export const targetsSchema = z.object({ targets: z.array(targetSchema).max(100) }).strict();
export const explainSchema = z
  .object({ key: z.string().min(1).max(256).optional(), user: z.string().min(1).max(256).optional() })
  .strict();
