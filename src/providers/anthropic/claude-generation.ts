/**
 * What a Claude model accepts, read from its model id: Claude 4.6 and later think in adaptive mode
 * (`thinking: {type: 'adaptive'}` with `output_config.effort`; the budget form is deprecated on 4.6
 * and a 400 from 4.7), and 4.7 and later refuse the sampling controls (`temperature`, `top_p`,
 * `top_k`) and take the `xhigh` effort. An id that names no Claude version (a custom deployment
 * name) is treated as an earlier generation: the budget form and sampling controls, which every
 * model before 4.7 accepts.
 *
 * @module
 */

export interface ClaudeGeneration {
  /** `thinking: {type: 'adaptive'}` + `output_config.effort` instead of a token budget. */
  adaptiveThinking: boolean;
  /** `temperature`, `top_p` and `top_k` are accepted. */
  sampling: boolean;
  /** `output_config.effort: 'xhigh'` is accepted. */
  xhighEffort: boolean;
  /** `temperature` and `top_p` together are refused ("cannot both be specified for this model"). */
  oneSampler: boolean;
}

// claude-opus-4-7, claude-sonnet-4-20250514 (4.0: the date is not a minor version), claude-opus-4-1-20250805;
// the older order: claude-3-7-sonnet-20250219, claude-3-opus-20240229. Anywhere in the id, so
// prefixed deployment names (`anthropic.claude-opus-4-7-v1`) read alike.
const NEW_ORDER = /claude-(?:opus|sonnet|haiku)-(\d{1,2})(?:-(\d{1,2}))?(?!\d)/;
const OLD_ORDER = /claude-(\d{1,2})(?:-(\d{1,2}))?-(?:opus|sonnet|haiku)/;

/** The Claude version of a model id as major × 100 + minor (4.7 → 407), or undefined. */
export function claudeVersion(modelId: string): number | undefined {
  const match = NEW_ORDER.exec(modelId) ?? OLD_ORDER.exec(modelId);
  if (match === null) return undefined;
  return Number(match[1]) * 100 + Number(match[2] ?? 0);
}

export function claudeGeneration(modelId: string): ClaudeGeneration {
  const version = claudeVersion(modelId) ?? 0;
  return { adaptiveThinking: version >= 406, sampling: version < 407, xhighEffort: version >= 407, oneSampler: version >= 401 && version < 407 };
}
