import type { ArmComparison } from './types.js';

/** The sample-ratio verdict in words: do the assigned counts match the weights? (pure; the browser test uses it too) */
export function sampleRatioVerdict(check: ArmComparison['sample_ratio']): string {
  if (!check) return 'not enough data for the sample-ratio check (needs requests on at least two arms with weight)';
  const p = check.p_value < 0.0001 ? check.p_value.toExponential(1) : check.p_value.toFixed(4);
  return check.mismatch
    ? `sample ratio mismatch, p=${p}: the split is not what the weights say (a weight changed in the window, a biased sticky key, or an open breaker); do not trust the comparison until you know why`
    : `counts match the weights (p=${p})`;
}
