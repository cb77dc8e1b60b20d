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

/**
 * The most keys a jsonb object column (`features`, `pricing`, `config`) holds, and its
 * `native_fields` too. Each reload parses and merges these objects for every model row; 2,000
 * rows of 1,000 keys blocked the event loop for minutes (see docs/live-configuration.md).
 */
export const maxJsonKeys = 64;

/** Why `value` holds too many keys (at the top or in `native_fields`), else undefined; copies nothing. */
export function jsonKeysProblem(value: unknown): string | undefined {
  if (exceedsKeys(value)) return `more than ${maxJsonKeys} keys`;
  const native = isPlainObject(value) ? value['native_fields'] : undefined;
  return exceedsKeys(native) ? `more than ${maxJsonKeys} keys in native_fields` : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function exceedsKeys(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  let count = 0;
  for (const key in value) if (Object.hasOwn(value, key) && ++count > maxJsonKeys) return true;
  return false;
}

/**
 * Parses a jsonb column; on failure returns a one-line reason naming the column. An object over
 * `maxJsonKeys` keys is refused before it is parsed.
 */
export function parseColumn<T>(
  column: string,
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; reason: string } {
  const tooLarge = jsonKeysProblem(value);
  if (tooLarge !== undefined) return { ok: false, reason: `invalid ${column}: ${tooLarge}` };
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
  return { ok: false, reason: `invalid ${column}${where}: ${issue?.message ?? 'invalid value'}` };
}
