/**
 * Request bodies of the admin API (and the CLI flags that map onto them), snake_case like the
 * columns they write.
 *
 * @module
 */
import { z } from 'zod';
import { HARD_DENIED_ENV_VARS, isHardDeniedEnvVar } from '../../credentials/env-var-policy.js';
import { headerMapSchema, headerValueSchema } from '../../providers/shared/header-fields.js';
import { baseUrlProblem } from '../../providers/spec/base-url.js';
import { parsePricing } from '../../registry/parse-prices.js';
import { featuresSchema, jsonKeysProblem, pricingSchema, requiredEnvVarsSchema } from '../../registry/row-schemas.js';

const providerName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a lowercase slug (a-z, 0-9, . _ -)').max(100);
const modelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, 'must start with a letter or digit and use only A-Z a-z 0-9 . _ : / @ -').max(200);
const projectName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a lowercase slug (a-z, 0-9, . _ -)').max(100);
// A path is appended to it: no user info, query string or fragment (the loader's own check).
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).superRefine((url, context) => {
  const problem = baseUrlProblem(url);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});
const jsonObject = z.record(z.string(), z.unknown());
// The gateway never reads its own configuration through a row: refuse those names when the row is written.
const requiredEnvVars = requiredEnvVarsSchema.refine((names) => !names.some(isHardDeniedEnvVar), {
  error: `must not name ${HARD_DENIED_ENV_VARS.join(', ')}: the gateway never reads its own configuration through a provider row`,
});
// The loader skips a row over its key bound (every reload copies these objects for each model):
// refused when written instead.
const boundedKeys = (value: unknown, context: z.RefinementCtx): void => {
  const problem = jsonKeysProblem(value);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
};
const features = featuresSchema.superRefine(boundedKeys);
// The loader's own check of every priced key (a string, a negative or a sub-micro-dollar price made the
// whole row unpriced, and USD budgets stopped bounding the model): refused when written.
const pricing = pricingSchema.superRefine(boundedKeys).superRefine((value, context) => {
  const { invalid } = parsePricing(value);
  if (invalid !== undefined) context.addIssue({ code: 'custom', message: invalid });
});
// Every class that reads `config.headers` sends them as headers: refuse CR/LF there at write time.
// `max_batch_size` (any class): a row written with SQL may hold another value; the loader ignores it.
const providerConfig = z
  .looseObject({ headers: headerMapSchema.optional(), max_batch_size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().optional() })
  .superRefine(boundedKeys);

export const providerCreateSchema = z
  .object({
    name: providerName,
    display_name: z.string().max(200).nullable().optional(),
    provider_class: z.string().min(1).max(100),
    api_base_url: httpUrl.nullable().optional(),
    required_env_vars: requiredEnvVars.optional(),
    features: features.optional(),
    pricing: pricing.optional(),
    auth_header_name: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name').nullable().optional(),
    auth_header_prefix: headerValueSchema.max(50).nullable().optional(),
    request_template: jsonObject.nullable().optional(),
    config: providerConfig.optional(),
    is_active: z.boolean().optional(),
  })
  .strict();

export const providerUpdateSchema = providerCreateSchema.partial().strict();

export const modelCreateSchema = z
  .object({
    name: modelName,
    display_name: z.string().max(200).nullable().optional(),
    provider: providerName,
    model_id: z.string().min(1).max(300),
    context_window: z.number().int().positive().nullable().optional(),
    max_tokens: z.number().int().positive().nullable().optional(),
    pricing: pricing.optional(),
    features: features.optional(),
    is_active: z.boolean().optional(),
  })
  .strict();

export const modelUpdateSchema = modelCreateSchema.partial().strict();

export const projectCreateSchema = z.object({ name: projectName }).strict();

export const apiKeyCreateSchema = z
  .object({
    project: projectName,
    name: z.string().max(200).nullable().optional(),
    expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();

export type ProviderCreate = z.infer<typeof providerCreateSchema>;
export type ProviderUpdate = z.infer<typeof providerUpdateSchema>;
export type ModelCreate = z.infer<typeof modelCreateSchema>;
export type ModelUpdate = z.infer<typeof modelUpdateSchema>;
