/**
 * One embeddings attempt on a resolved model (the AI service's `embed`, once per route target):
 * credential, admission, the provider's call (in batches when the row takes fewer inputs at once:
 * embed-batches.ts), and the one ledger row, which bills what the vendor embedded even when the
 * call failed. The caller is told the input count the ledger charges.
 *
 * @module
 */
import type { EmbedResponse } from '../providers/spec/index.js';
import { SwitchboardError } from '../errors.js';
import type { ResolvedModel } from '../registry/provider-registry.js';
import { estimateEmbedCall } from '../governance/estimate-call.js';
import { tokenCount } from '../providers/shared/usage-buckets.js';
import { neverCancelled } from '../cancel.js';
import { admitCall, beginAttempt, type ServiceParts } from './call-admission.js';
import { embedUsage, estimateEmbedding, limitsOf } from './call-parts.js';
import { embeddedInputs, embedInBatches, vectorCountError, type EmbeddingProvider } from './embed-batches.js';
import type { RoutedCall } from './routed-call.js';
import type { CallContext, PublicEmbedRequest, Route } from './service-types.js';
import { idScopeOf, scopeEmbedRequest } from './shared-account-ids.js';
import { validateEmbedModel } from './validate-request.js';

export async function embedAttempt(
  parts: ServiceParts,
  resolved: ResolvedModel,
  request: PublicEmbedRequest,
  context: CallContext,
  call: RoutedCall | undefined,
): Promise<{ response: EmbedResponse; route: Route }> {
  const { model, provider } = resolved;
  const routing = call?.routing;
  validateEmbedModel(model);
  if (!provider.provider.embed) {
    throw new SwitchboardError('unsupported_feature', `The provider '${provider.name}' of model '${model.name}' has no embeddings.`, {
      param: 'model',
    });
  }
  const resolving = parts.credentials.resolve(context.projectId, provider);
  const credential = resolving instanceof Promise ? await resolving : resolving;
  const admitting = admitCall(parts, context, request.model, 'embeddings', false, model, provider, () => estimateEmbedCall(request.input), call);
  const ticket = admitting instanceof Promise ? await admitting : admitting;
  const attempt = beginAttempt(parts.usage, context, request.model, 'embeddings', false, model, provider, ticket, routing);
  const started = performance.now();
  let response: EmbedResponse;
  try {
    const embedRequest = { ...request, model: model.modelId };
    const scope = idScopeOf(parts.idKey, context.projectId, credential);
    const scoped = scope === undefined ? embedRequest : scopeEmbedRequest(embedRequest, scope);
    const options = { signal: call?.signal ?? context.signal ?? neverCancelled, credential, model: limitsOf(model), headers: attempt?.upstreamHeaders, rawJson: context.rawJson };
    const batchSize = provider.maxBatchSize;
    response =
      batchSize === undefined || request.input.length <= batchSize
        ? await provider.provider.embed(scoped, options)
        : await embedInBatches(provider.provider as EmbeddingProvider, provider.name, scoped, options, batchSize);
    // An answer without a vector per input is no answer (OpenAI-compatible servers that failed
    // quietly send `data: []`): the provider's 502 on every path, a route moving on from it.
    if (response.embeddings.length !== request.input.length) throw vectorCountError(provider.name, response.embeddings.length, request.input.length);
  } catch (error) {
    if (attempt) {
      attempt.upstreamMs = performance.now() - started;
      // Cut by the client, a timeout or the size limits: the vendor embedded, and bills, the input.
      // Sent in batches: the texts of those the vendor answered (or had when cut) are billed.
      const embedded = embeddedInputs(error);
      if (embedded === undefined) attempt.fail(error, () => estimateEmbedding(request.input));
      else attempt.fail(error, () => estimateEmbedding(embedded), true);
    }
    throw error;
  }
  const upstreamMs = performance.now() - started;
  // A vendor's count as chat counts are taken: a whole number, at most MAX_REPORTED_TOKENS (the
  // caller gets that number too, not a negative or 1e308 the vendor sent). None (Gemini's embed
  // API reports no count): the caller is told the estimate the ledger charges.
  const inputTokens = tokenCount(response.usage.inputTokens);
  const estimated = inputTokens > 0 ? undefined : await estimateEmbedding(request.input).catch(() => undefined);
  const told = estimated?.input ?? inputTokens;
  if (told !== response.usage.inputTokens) response.usage = { inputTokens: told };
  if (attempt) {
    attempt.upstreamMs = upstreamMs;
    const usage = inputTokens > 0 ? embedUsage(inputTokens) : undefined;
    attempt.responseModel = response.model;
    const estimate = estimated === undefined ? () => estimateEmbedding(request.input) : () => Promise.resolve(estimated);
    attempt.end({ status: 200, errorCode: null, incomplete: false, usage, estimate });
  }
  return { response, route: { model, provider, upstreamMs } };
}

