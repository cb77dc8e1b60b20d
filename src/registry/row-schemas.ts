import { z } from 'zod';
import { headerNameSchema, headerValueSchema } from '../providers/shared/header-fields.js';

/** `native_fields` (provider `config`, model `features`): native field name → rule. */
const nativeFieldRulesSchema = z.record(z.string(), z.enum(['pass', 'drop', 'refuse']));

/** `features` jsonb: which request features a provider or model supports. Only `false` forbids. */
export const featuresSchema = z
  .object({
    streaming: z.boolean().optional(),
    tools: z.boolean().optional(),
    vision: z.boolean().optional(),
    json_mode: z.boolean().optional(),
    embeddings: z.boolean().optional(),
    reasoning: z.boolean().optional(),
    native_fields: nativeFieldRulesSchema.optional(),
  })
  .catchall(z.unknown());

/** `pricing` jsonb, USD per million tokens. */
export const pricingSchema = z
  .object({
    input_per_mtok: z.number().nonnegative().optional(),
    output_per_mtok: z.number().nonnegative().optional(),
    cached_input_per_mtok: z.number().nonnegative().optional(),
  })
  .catchall(z.unknown());

export const requiredEnvVarsSchema = z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an env var name'));

/** A class's `defaults.requiredEnvVars` (code, not a row): a single name may be given as a string. */
export const classEnvVarsSchema = z.preprocess((value) => (typeof value === 'string' ? [value] : value), requiredEnvVarsSchema);

export const configSchema = z.record(z.string(), z.unknown()).and(z.object({ native_fields: nativeFieldRulesSchema.optional() }));

/** `auth_header_name` / `auth_header_prefix`: sent on every call, so a header name and a header value. */
export const authHeaderNameSchema = headerNameSchema.max(100).nullable();
export const authHeaderPrefixSchema = headerValueSchema.max(50).nullable();

export type Features = z.infer<typeof featuresSchema>;
/**
 * What to do with a vendor-native field the serving provider's family does not share:
 * `pass` sends it to the vendor anyway, `drop` ignores it, `refuse` answers 400 naming it.
 */
export type NativeFieldRule = 'pass' | 'drop' | 'refuse';
export type Pricing = z.infer<typeof pricingSchema>;

/** Parses a jsonb column; on failure returns a one-line reason naming the column. */
export function parseColumn<T>(
  column: string,
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; reason: string } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
  return { ok: false, reason: `invalid ${column}${where}: ${issue?.message ?? 'invalid value'}` };
}
