/**
 * Request bodies of the governance admin API (and the CLI flags that map onto them), snake_case
 * like the columns they write.
 *
 * @module
 */
import { z } from 'zod';

export const limitName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a lowercase slug (a-z, 0-9, . _ -)').max(64);
const modelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, 'must be a model or route name').max(256);
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be an API key id (uuid)');
const usd = z.union([z.number().nonnegative(), z.string().regex(/^\d{1,18}(\.\d{1,12})?$/, 'must be a USD amount like 25 or 0.50')]).transform(String);

export const budgetSetSchema = z
  .object({
    project: z.string().min(1).max(100),
    api_key_id: uuid.nullable().optional(),
    model_name: modelName.nullable().optional(),
    limit_usd: usd,
    period: z.enum(['day', 'week', 'month', 'fixed']).optional(),
    starts_at: z.iso.datetime({ offset: true }).nullable().optional(),
    ends_at: z.iso.datetime({ offset: true }).nullable().optional(),
    soft_threshold: z.number().gt(0).lte(1).nullable().optional(),
    /** A call to a model with no price in force: 'allow' (default, it costs 0 here) or 'refuse' (403). */
    unpriced: z.enum(['allow', 'refuse']).optional(),
    is_active: z.boolean().optional(),
  })
  .strict()
  .refine((body) => body.period !== 'fixed' || (body.starts_at && body.ends_at && Date.parse(body.ends_at) > Date.parse(body.starts_at)), {
    error: "a 'fixed' budget needs starts_at < ends_at",
    path: ['ends_at'],
  });
export type BudgetSet = z.infer<typeof budgetSetSchema>;

export const rateLimitSetSchema = z
  .object({
    project: z.string().min(1).max(100),
    api_key_id: uuid.nullable().optional(),
    model_name: modelName.nullable().optional(),
    requests_per_minute: z.number().int().positive().max(2_000_000_000).nullable().optional(),
    tokens_per_minute: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    is_active: z.boolean().optional(),
  })
  .strict()
  .refine((body) => (body.requests_per_minute ?? null) !== null || (body.tokens_per_minute ?? null) !== null, {
    error: 'set requests_per_minute, tokens_per_minute or both',
    path: ['requests_per_minute'],
  });
export type RateLimitSet = z.infer<typeof rateLimitSetSchema>;

export const accessSetSchema = z
  .object({
    project: z.string().min(1).max(100),
    /** A key of the project; absent: the project's own list. */
    api_key_id: uuid.optional(),
    /** null: every model. */
    allowed_models: z.array(modelName).max(1000).nullable(),
    /** Keys only: a label for reports. */
    label: z.string().max(200).nullable().optional(),
  })
  .strict();
export type AccessSet = z.infer<typeof accessSetSchema>;
