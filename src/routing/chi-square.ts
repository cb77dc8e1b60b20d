/**
 * Pearson's chi-square goodness-of-fit test, for the sample-ratio check of a route: do the
 * requests assigned to each arm match the arms' weights? A small p-value (< 0.001 is the usual
 * alarm) means the split is broken (a bug, a biased sticky key, health-driven reassignment).
 *
 * @module
 */

export interface SampleRatioCheck {
  chi_square: number;
  degrees_of_freedom: number;
  p_value: number;
  /** True when p < 0.001: the observed split does not match the weights. */
  mismatch: boolean;
}

/** The test of `observed` counts against `expected` shares (same order; shares need not sum to 1). */
export function sampleRatioCheck(observed: readonly number[], shares: readonly number[]): SampleRatioCheck | null {
  const total = observed.reduce((sum, count) => sum + count, 0);
  const shareSum = shares.reduce((sum, share) => sum + share, 0);
  if (observed.length < 2 || total === 0 || shareSum <= 0) return null;
  let chi = 0;
  let cells = 0;
  let smallest = Number.POSITIVE_INFINITY;
  for (let index = 0; index < observed.length; index++) {
    const expected = (total * (shares[index] ?? 0)) / shareSum;
    const count = observed[index] ?? 0;
    if (expected === 0) {
      if (count > 0) return { chi_square: Number.POSITIVE_INFINITY, degrees_of_freedom: observed.length - 1, p_value: 0, mismatch: true };
      continue;
    }
    chi += (count - expected) ** 2 / expected;
    cells += 1;
    if (expected < smallest) smallest = expected;
  }
  const dof = cells - 1;
  if (dof < 1) return null;
  let p: number;
  if (smallest >= MIN_EXPECTED) p = upperRegularizedGamma(dof / 2, chi / 2);
  else if (dof === 1) p = exactTwoCells(observed, shares);
  // Pearson's approximation overstates significance when a cell expects fewer than ~5: too few to tell.
  else return null;
  return { chi_square: chi, degrees_of_freedom: dof, p_value: p, mismatch: p < 0.001 };
}

/** The least expected count for which the chi-square approximation is trusted (the usual rule of thumb). */
const MIN_EXPECTED = 5;

/** Two arms with a small expected count: the exact two-sided binomial test (cells with share 0 and count 0 left out). */
function exactTwoCells(observed: readonly number[], shares: readonly number[]): number {
  const cells = observed.map((count, index) => [count, shares[index] ?? 0] as const).filter(([count, share]) => share > 0 || count > 0);
  const [[k, shareA], [other, shareB]] = cells as unknown as [[number, number], [number, number]];
  const n = k + other;
  const p = shareA / (shareA + shareB);
  const logP = Math.log(p);
  const logQ = Math.log(1 - p);
  const logChoose = (i: number): number => logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1);
  const logAt = (i: number): number => logChoose(i) + i * logP + (n - i) * logQ;
  const threshold = logAt(k) + 1e-9;
  let total = 0;
  for (let i = 0; i <= n; i++) {
    const logProbability = logAt(i);
    if (logProbability <= threshold) total += Math.exp(logProbability);
  }
  return Math.min(1, total);
}

/** Q(a, x) = Γ(a, x) / Γ(a): a series below a + 1, a continued fraction above (Numerical Recipes' split). */
export function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - lowerSeries(a, x);
  return upperFraction(a, x);
}

function lowerSeries(a: number, x: number): number {
  let sum = 1 / a;
  let term = sum;
  for (let n = 1; n < 500; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

function upperFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** ln Γ(z) by the Lanczos approximation (g = 7, 9 terms). */
export function logGamma(z: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const shifted = z - 1;
  let sum = coefficients[0] as number;
  for (let index = 1; index < coefficients.length; index++) sum += (coefficients[index] as number) / (shifted + index);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}
