/**
 * How many inputs one embeddings call of a provider row may carry: the row's
 * `config.max_batch_size`, else its class's `defaults.maxBatchSize`; a larger call is split by the
 * AI service. A bad value never disables the row: it is ignored (the class's limit applies, or
 * none) and reported as the row's load error.
 *
 * @module
 */
import { z } from 'zod';

const batchSizeSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export interface MaxBatchSize {
  /** Undefined: calls go whole. */
  size: number | undefined;
  /** Why a value written was ignored (names the field, never its value's secrets: it holds none). */
  problem: string | undefined;
}

export function maxBatchSize(config: Readonly<Record<string, unknown>>, classDefault: unknown, className: string): MaxBatchSize {
  // A user class (SWITCHBOARD_PROVIDERS_DIR) is code the type checker never saw.
  const fallback = classDefault === undefined || batchSizeSchema.safeParse(classDefault).success ? (classDefault as number | undefined) : undefined;
  const classProblem = classDefault !== fallback ? `provider_class '${className}' defaults.maxBatchSize is not a positive integer; ignored` : undefined;
  // null, as an unset key: the class's limit.
  const written = Object.hasOwn(config, 'max_batch_size') ? config['max_batch_size'] : undefined;
  if (written === undefined || written === null) return { size: fallback, problem: classProblem };
  if (batchSizeSchema.safeParse(written).success) return { size: written as number, problem: undefined };
  const limit = fallback === undefined ? 'calls are sent whole' : `the class's ${fallback} applies`;
  return { size: fallback, problem: `invalid config.max_batch_size: must be a positive integer; ignored, ${limit}` };
}
