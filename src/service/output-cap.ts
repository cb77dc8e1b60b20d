/**
 * A governed call's output bound is enforced upstream. A budget or a token limit reserves the
 * call's worst case before the upstream call, its output bounded by the client's limit, else the
 * model row's `max_tokens`, else 4,096 (governance/estimate-call.ts); when the client set no
 * limit, that bound must reach the vendor too, or the call may generate (and cost) far more than
 * was reserved. The governor computes the estimate only when a budget or a token limit applies,
 * so the estimate of an attempt's admission is where the attempt's own copy of the request gets
 * the bound: a call no rule governs keeps the vendor's default, and each attempt of a route gets
 * its own target's bound.
 *
 * @module
 */
import { chatOutputCap, estimateChatCall, estimateNativeCall, nativeLimitField, nativeOutputCap, type ChatCallShape } from '../governance/estimate-call.js';
import type { TokenEstimate } from '../governance/governor.js';
import type { ChatRequest, NativeApi, ProviderFamily } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';

/**
 * The estimate of a chat attempt (`request`: the client's), which sets the attempt's upstream
 * request's `maxTokens` (each builder sends it in its vendor's field) when the client set none.
 * Not for the Anthropic family (`family`: the serving provider's): its builder always sends
 * `max_tokens`, by the rule the reservation follows (the client's limit as it is; without one the
 * default visible limit grown by the thinking budget, within the row's `max_tokens`: never above
 * the reservation's bound).
 */
export function estimateBoundedChat(request: ChatCallShape, upstream: ChatRequest, model: ModelEntry, family: ProviderFamily | undefined): TokenEstimate | Promise<TokenEstimate> {
  if (upstream.maxTokens === undefined && family !== 'anthropic') upstream.maxTokens = chatOutputCap(upstream, model);
  return estimateChatCall(request, model);
}

/**
 * The estimate of a native call (`body`: the client's), which sets the limit field of `upstream`
 * (the copy sent to the vendor) when the client left it out or null (null is "no limit" to OpenAI).
 */
export function estimateBoundedNative(body: Record<string, unknown>, upstream: Record<string, unknown>, api: NativeApi, model: ModelEntry): Promise<TokenEstimate> {
  const field = nativeLimitField[api];
  if (field !== undefined && (upstream[field] === undefined || upstream[field] === null)) upstream[field] = nativeOutputCap(body, api, model);
  return estimateNativeCall(body, api, model);
}
