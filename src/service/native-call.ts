/**
 * A native call on a resolved model (the AI service's `native`): the vendor's own API with the
 * client's body unchanged apart from `model`, `stream` and the output bound a governed call's
 * reservation assumed (output-cap.ts); pseudonymous ids and refused stored state on a credential the
 * project does not own; one ledger row per generation call, none for counting tokens.
 *
 * @module
 */
import type { NativeAnswer, Usage } from '../providers/spec/index.js';
import { SwitchboardError } from '../errors.js';
import type { ResolvedModel } from '../registry/provider-registry.js';
import type { UsageEndpoint } from '../usage/usage-attempt.js';
import { observeNative } from '../usage/observe-native.js';
import { nativeEstimate } from '../usage/native-estimate.js';
import { failedCallCharge } from '../usage/hidden-reasoning.js';
import { openTicket } from '../governance/admission-ticket.js';
import { nativeOutputCap } from '../governance/estimate-call.js';
import { upstreamFailure } from '../providers/shared/upstream-limits.js';
import { neverCancelled } from '../cancel.js';
import { admitCall, beginAttempt, type ServiceParts } from './call-admission.js';
import { encodedNativeAnswer, limitsOf } from './call-parts.js';
import { estimateBoundedNative } from './output-cap.js';
import { nativeReasoningBound } from './reasoning-bound.js';
import type { CallContext, NativeCall, Route } from './service-types.js';
import { refuseStoredFiles } from './shared-account-files.js';
import { idScopeOf, scopeNativeBody } from './shared-account-ids.js';
import { refuseSharedState } from './shared-account-state.js';

/** A native call's answer, how it was served, and its body as `NativeCall.encodeJson` encoded it. */
export interface NativeResult {
  answer: NativeAnswer;
  route: Route;
  encoded?: string | undefined;
}

/**
 * Serves `call` on `resolved` (the caller checked the key's access to `modelName`). `endpoint` is
 * the ledger's for `call.api`, undefined for a call that generates nothing (counting tokens).
 */
export async function nativeAttempt(
  parts: ServiceParts,
  resolved: ResolvedModel,
  modelName: string,
  endpoint: UsageEndpoint | undefined,
  call: NativeCall,
  context: CallContext,
): Promise<NativeResult> {
  const { model, provider } = resolved;
  const native = provider.provider.native;
  if (!native || !(provider.provider.nativeApis ?? []).includes(call.api)) {
    throw new SwitchboardError('unsupported_feature', `The provider '${provider.name}' of model '${model.name}' does not serve ${call.api}.`, {
      param: 'model',
    });
  }
  if (call.stream && model.features.streaming === false) {
    throw new SwitchboardError('unsupported_feature', `The model '${model.name}' does not support streaming.`, { param: 'stream' });
  }
  const resolving = parts.credentials.resolve(context.projectId, provider);
  const credential = resolving instanceof Promise ? await resolving : resolving;
  const unscoped: Record<string, unknown> = { ...call.body, model: model.modelId };
  const scope = idScopeOf(parts.idKey, context.projectId, credential);
  if (scope !== undefined) {
    refuseStoredFiles(call.api, call.body);
    refuseSharedState(call.api === 'openai-responses' ? 'openai' : 'anthropic', call.body);
  }
  const body = scope === undefined ? unscoped : scopeNativeBody(call.api, unscoped, scope);
  // Counting tokens generates nothing and is free: only generation calls are ledger rows (and governed).
  const ticket = endpoint === undefined ? openTicket : await admitCall(parts, context, modelName, endpoint, call.stream, model, provider, () => estimateBoundedNative(call.body, body, call.api, model));
  const attempt = endpoint === undefined ? undefined : beginAttempt(parts.usage, context, modelName, endpoint, call.stream, model, provider, ticket);
  const started = performance.now();
  let answer: NativeAnswer;
  try {
    answer = await native.call(provider.provider, call.api, body, {
      signal: context.signal ?? neverCancelled,
      credential,
      model: limitsOf(model),
      stream: call.stream,
      rawJson: context.rawJson,
      ...(call.headers === undefined && attempt?.upstreamHeaders === undefined ? {} : { headers: { ...call.headers, ...attempt?.upstreamHeaders } }),
    });
  } catch (thrown) {
    const error = upstreamFailure(provider.name, thrown);
    if (attempt) {
      attempt.upstreamMs = performance.now() - started;
      // A call the client gave up on is charged its input, like a chat's, and what was generated
      // until then (hidden-reasoning.ts).
      const charge = failedCallCharge(attempt, error, {
        reasoning: () => nativeReasoningBound(body, call.api, model),
        output: () => nativeOutputCap(body, call.api, model),
        choices: 1,
      });
      attempt.fail(error, nativeEstimate(call.body, noUsage, undefined, charge));
    }
    throw error;
  }
  const upstreamMs = performance.now() - started;
  if (attempt) attempt.upstreamMs = upstreamMs;
  const encoded = answer.type === 'json' && call.encodeJson !== undefined ? encodedNativeAnswer(call.encodeJson, answer, call.body, modelName, provider.name, attempt) : undefined;
  if (attempt) answer = observeNative(answer, attempt, call.body, answer.type === 'stream' ? nativeReasoningBound(body, call.api, model) : undefined);
  return { answer, route: { model, provider, upstreamMs }, encoded };
}

/** The usage of a call that reported none. */
function noUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
}
