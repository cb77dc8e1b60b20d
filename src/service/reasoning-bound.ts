/**
 * Whether a call reasons, and the most it may generate: the ledger charges a stream that ends
 * without the vendor's usage, or a call cut while the model thought, the reasoning hidden in it,
 * within this bound (usage/hidden-reasoning.ts). Computed once per stream, and for a non-streamed
 * call only when it failed so (a few property reads); undefined (no hidden reasoning) unless the
 * model row says it reasons (`features.reasoning: true`) and the request does not turn reasoning
 * off.
 *
 * @module
 */
import { chatOutputCap, nativeOutputCap } from '../governance/estimate-call.js';
import { requestedBudget } from '../providers/shared/reasoning.js';
import type { ChatRequest, NativeApi, ProviderFamily } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';

/**
 * A chat call (`request`: the one sent upstream, its output limit included) to a model of `family`:
 * the output bound as its reservation counts it (chatOutputCap). Not when the request asks for no
 * reasoning (`reasoning_effort: "none"`, a budget of 0), nor on Anthropic without a reasoning
 * request (Claude thinks only when asked).
 */
export function chatReasoningBound(request: Pick<ChatRequest, 'maxTokens' | 'reasoning'>, model: ModelEntry, family: ProviderFamily | undefined): number | undefined {
  if (model.features.reasoning !== true) return undefined;
  const budget = requestedBudget(request.reasoning);
  if (budget === 0 || (budget === undefined && family === 'anthropic')) return undefined;
  return chatOutputCap(request, model);
}

/**
 * A native call's body (the copy sent upstream): the output bound as its reservation counts it
 * (nativeOutputCap). Not for a Responses body whose `reasoning.effort` is `none`, nor an Anthropic
 * body without `thinking` enabled (`enabled` or `adaptive`).
 */
export function nativeReasoningBound(body: Record<string, unknown>, api: NativeApi, model: ModelEntry): number | undefined {
  if (model.features.reasoning !== true) return undefined;
  if (api === 'anthropic-messages' && !['enabled', 'adaptive'].includes(String(field(body['thinking'], 'type')))) return undefined;
  if (api === 'openai-responses' && field(body['reasoning'], 'effort') === 'none') return undefined;
  return nativeOutputCap(body, api, model);
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}
