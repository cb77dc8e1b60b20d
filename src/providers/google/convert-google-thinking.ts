import { budgetByEffort, requestedBudget, requestedEffort } from '../shared/reasoning.js';
import type { ReasoningOptions } from '../spec/index.js';
import type { GoogleThinkingConfig } from './google-api.js';
import { requiresThoughtSignature } from './google-model-path.js';

/** Gemini 2.5 Flash's largest thinking budget; Pro allows 32768. */
const FLASH_MAX_BUDGET = 24576;

/**
 * The request's reasoning control as Gemini's `thinkingConfig`, or undefined when it sets none.
 * Gemini 3 and later take `thinkingLevel` (minimal → MINIMAL, low → LOW, medium → MEDIUM, high,
 * xhigh and max → HIGH; Pro models know only LOW and HIGH; `none` → the lowest level, as 3.x cannot
 * turn thinking off). Gemini 2.5 takes `thinkingBudget`: the shared budget table (minimal 512 on
 * Gemini) capped at 24576 (32768 on Pro), `none` → 0 (128 on Pro, which cannot turn it off).
 * `includeThoughts` is on unless the effort is `none`, so the thought summaries come back.
 */
export function convertGoogleThinking(model: string, reasoning: ReasoningOptions | undefined): GoogleThinkingConfig | undefined {
  const effort = requestedEffort(reasoning);
  if (effort === undefined) return undefined;
  const pro = /-pro\b/.test(model);
  const includeThoughts = effort !== 'none';
  if (requiresThoughtSignature(model)) {
    const levels = { none: 'MINIMAL', minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', xhigh: 'HIGH', max: 'HIGH' } as const;
    const level = levels[effort];
    const proLevel = level === 'MINIMAL' || level === 'LOW' ? 'LOW' : 'HIGH';
    return { thinkingLevel: pro ? proLevel : level, includeThoughts };
  }
  if (effort === 'none') return { thinkingBudget: pro ? 128 : 0, includeThoughts };
  const wanted = reasoning?.budgetTokens ?? (effort === 'minimal' ? 512 : (requestedBudget(reasoning) ?? budgetByEffort[effort]));
  return { thinkingBudget: Math.min(wanted, pro ? 32768 : FLASH_MAX_BUDGET), includeThoughts };
}
