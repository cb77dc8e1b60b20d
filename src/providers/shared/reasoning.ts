/**
 * The reasoning mapping shared by the provider classes: OpenAI's effort scale ↔ a thinking budget
 * in tokens (Anthropic `budget_tokens`, Gemini 2.5 `thinkingBudget`, Cohere `token_budget`) ↔
 * Gemini 3's `thinkingLevel`. One table, documented in docs/notes/proto-core.md.
 *
 * @module
 */
import type { ReasoningEffort, ReasoningOptions } from '../spec/index.js';

/** Anthropic's smallest thinking budget. */
export const MIN_THINKING_BUDGET = 1024;

/** Thinking budget per effort (`none`: no thinking; `max` is served as `xhigh`). */
export const budgetByEffort: Readonly<Record<Exclude<ReasoningEffort, 'none'>, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 32768,
};

/** The efforts a budget maps back to (`max` never: it is `xhigh`'s budget). */
const ordered = (Object.entries(budgetByEffort) as [Exclude<ReasoningEffort, 'none'>, number][]).filter(([effort]) => effort !== 'max');

/** The effort whose budget is nearest to `budget` (ties go to the lower effort); 0 is `none`. */
export function effortForBudget(budget: number): ReasoningEffort {
  if (budget <= 0) return 'none';
  let best = ordered[0] as [Exclude<ReasoningEffort, 'none'>, number];
  for (const entry of ordered) {
    if (Math.abs(entry[1] - budget) < Math.abs(best[1] - budget)) best = entry;
  }
  return best[0];
}

/**
 * The budget a request asks for: its explicit `budgetTokens`, else its effort's budget; 0 for
 * `none`; undefined when it sets no reasoning control.
 */
export function requestedBudget(reasoning: ReasoningOptions | undefined): number | undefined {
  if (reasoning === undefined) return undefined;
  if (reasoning.budgetTokens !== undefined) return reasoning.budgetTokens;
  if (reasoning.effort === undefined) return undefined;
  return reasoning.effort === 'none' ? 0 : budgetByEffort[reasoning.effort];
}

/** The effort a request asks for: its own, else the nearest to its budget; undefined when none is set. */
export function requestedEffort(reasoning: ReasoningOptions | undefined): ReasoningEffort | undefined {
  if (reasoning === undefined) return undefined;
  if (reasoning.effort !== undefined) return reasoning.effort;
  return reasoning.budgetTokens === undefined ? undefined : effortForBudget(reasoning.budgetTokens);
}
