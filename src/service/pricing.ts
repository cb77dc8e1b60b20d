import type { Usage } from '../providers/spec/index.js';
import type { Pricing } from '../registry/row-schemas.js';

/**
 * The cost of one call in USD from per-million-token prices. Cached input tokens are charged at
 * `cached_input_per_mtok` when the row has it, else at the input price.
 */
export function costOf(usage: Usage, pricing: Pricing): number {
  const input = pricing.input_per_mtok ?? 0;
  const cachedTokens = usage.cachedInputTokens ?? 0;
  const cached = pricing.cached_input_per_mtok ?? input;
  const output = pricing.output_per_mtok ?? 0;
  return ((usage.inputTokens - cachedTokens) * input + cachedTokens * cached + usage.outputTokens * output) / 1_000_000;
}
