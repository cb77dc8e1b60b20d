/**
 * The AI service: public model name → registry → credential → provider call. Everything it needs
 * per request comes from in-memory snapshots; it never queries the database.
 *
 * @module
 */
import type { CredentialResolver } from '../credentials/credential-resolver.js';
import type { KeyObject } from 'node:crypto';
import { scopedIdKey } from '../crypto/scoped-id.js';
import type { ChatResponse, EmbedResponse, NativeApi, StreamPart } from '../providers/spec/index.js';
import type { ModelEntry, ProviderRegistry, ResolvedModel } from '../registry/provider-registry.js';
import { estimateChat, observeStream } from '../usage/observe-stream.js';
import type { UsageEndpoint } from '../usage/usage-attempt.js';
import type { Router } from '../routing/router.js';
import { routeChat, routeEmbed, routeStream, routedModel, type RoutedCall } from './routed-call.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';
import { openTicket } from '../governance/admission-ticket.js';
import { estimateBoundedChat } from './output-cap.js';
import type { Governor } from '../governance/governor.js';
import { applyModelFeatures, validateChatRequest } from './validate-request.js';
import { commitStream } from './stream-commit.js';
import { cutChatResponse } from './stop-cutter.js';
import { cutStreamAtStops } from './stop-cut-stream.js';
import { chatReasoningBound } from './reasoning-bound.js';
import { failedCallCharge } from '../usage/hidden-reasoning.js';
import { chatOutputCap } from '../governance/estimate-call.js';
import { admitCall, beginAttempt, type ServiceParts } from './call-admission.js';
import { embedAttempt } from './embed-call.js';
import { nativeAttempt, type NativeResult } from './native-call.js';

import type { CallContext, ChatResult, NativeCall, PublicChatRequest, PublicEmbedRequest, Route, StreamOutcome } from './service-types.js';
import { encodedAnswer, limitsOf, nativeEndpoints, outputTexts, replayFirst } from './call-parts.js';
import { neverCancelled } from '../cancel.js';
import { idScopeOf, scopeChatRequest } from './shared-account-ids.js';
import { refuseSharedState } from './shared-account-state.js';
import { mayCall, refuseName } from './model-access.js';
import { upstreamFailure } from '../providers/shared/upstream-limits.js';

export type { CallContext, ChatResult, NativeCall, PublicChatRequest, PublicEmbedRequest, Route, StreamOutcome } from './service-types.js';

export interface AIServiceOptions {
  /** The current registry snapshot (swapped by the config watcher). */
  registry: () => ProviderRegistry;
  credentials: CredentialResolver;
  /** Records one ledger row per upstream attempt (off by default). */
  usage?: UsageRecorder;
  /** Routes (absent: model names only). */
  router?: Router;
  /** Budgets, rate limits and model access (off when absent). */
  governor?: Governor;
  /**
   * The key of the per-project pseudonyms that end-user ids and prompt cache keys become on a
   * credential the project does not own (`scopedIdKey(keyring.current)`; default: the key without
   * a master key, see src/crypto/scoped-id.ts).
   */
  scopedIdKey?: KeyObject;
}

export class AIService {
  readonly #registry: () => ProviderRegistry;
  readonly #credentials: CredentialResolver;
  /** The usage recorder, when the ledger is on. */
  readonly usage: UsageRecorder | undefined;
  /** The routing engine, when routes are served. */
  readonly router: Router | undefined;
  readonly governor: Governor | undefined;
  readonly #idKey: KeyObject;
  /** What the calls in other modules share (call-admission.ts): built once, never per request. */
  readonly #parts: ServiceParts;

  constructor(options: AIServiceOptions) {
    this.governor = options.governor;
    this.#idKey = options.scopedIdKey ?? scopedIdKey(undefined);
    this.#registry = options.registry;
    this.#credentials = options.credentials;
    this.usage = options.usage;
    this.router = options.router;
    this.#parts = { governor: this.governor, usage: this.usage, credentials: this.#credentials, idKey: this.#idKey };
  }

  /** The models a client may call now. */
  models(): ModelEntry[] {
    return this.#registry().availableModels();
  }

  /** The models a key may call now (its project's and its own allow-lists). */
  modelsFor(projectId: string | undefined, apiKeyId: string | undefined): ModelEntry[] {
    const models = this.models();
    const governor = this.governor;
    if (!governor?.rules.restricts(projectId, apiKeyId)) return models;
    return models.filter((model) => governor.allows(projectId, apiKeyId, model.name));
  }

  /** Whether the caller's key (and project) may call the public name `model`. */
  allows(context: Pick<CallContext, 'projectId' | 'apiKeyId'>, model: string): boolean {
    return mayCall(this.governor, context.projectId, context.apiKeyId, model);
  }

  /**
   * Throws 403 `model_not_allowed` when the key may not call `model`, whether it exists or not
   * (one ledger row naming only `model` when `endpoint` is given): call it before anything reads
   * the model row. One property check when no project or key has an allow-list.
   */
  refuseUnlisted(context: CallContext, model: string, endpoint: UsageEndpoint | undefined, streamed: boolean): void {
    if (!mayCall(this.governor, context.projectId, context.apiKeyId, model)) refuseName(this.governor, this.usage, context, model, endpoint, streamed);
  }

  /**
   * Resolves a public name (throws `no_such_model`). A route (the project's own, else a global one)
   * shadows a model of the same name and resolves to the target it would try first when healthy.
   */
  resolve(model: string, projectId?: string | null): ResolvedModel {
    const route = this.router?.find(model, projectId);
    return route ? routedModel(route) : this.#registry().resolve(model);
  }

  // chat() and stream() hand back the promise of the call itself: as async functions they would wrap
  // it in one more promise, resolved a few microtask turns later. A synchronous failure (an
  // unknown model) still comes back as a rejected promise.
  chat(request: PublicChatRequest, context: CallContext = {}): Promise<ChatResult> {
    try {
      // Before a route or a model row is looked at (model-access.ts).
      this.refuseUnlisted(context, request.model, 'chat', false);
      const route = this.router?.find(request.model, context.projectId);
      if (route && this.router) return routeChat(this.router, route, request, context, (resolved, call) => this.#chat(resolved, request, context, call));
      return this.#chat(this.resolve(request.model), request, context, undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #chat(resolved: ResolvedModel, request: PublicChatRequest, context: CallContext, call: RoutedCall | undefined): Promise<ChatResult> {
    const { model, provider } = resolved;
    const routing = call?.routing;
    const providerRequest = applyModelFeatures({ ...request, model: model.modelId }, model);
    validateChatRequest(providerRequest, model, false);
    // Both are usually known at once: a plain value is not awaited (an `await` costs a microtask turn).
    const resolving = this.#credentials.resolve(context.projectId, provider);
    const credential = resolving instanceof Promise ? await resolving : resolving;
    const scope = idScopeOf(this.#idKey, context.projectId, credential);
    if (scope !== undefined && providerRequest.native !== undefined) refuseSharedState(providerRequest.native.family, providerRequest.native.fields);
    // Governed: this attempt's own request gets the output bound its reservation assumed (output-cap.ts).
    const admitting = admitCall(this.#parts, context, request.model, 'chat', false, model, provider, () => estimateBoundedChat(request, providerRequest, model, provider.provider.family), call);
    const ticket = admitting instanceof Promise ? await admitting : admitting;
    const attempt = beginAttempt(this.usage, context, request.model, 'chat', false, model, provider, ticket, routing);
    // Scoped after admission: the estimate sets the output bound on providerRequest, which the copy must carry.
    const sent = scope === undefined ? providerRequest : scopeChatRequest(providerRequest, scope);
    const started = performance.now();
    const unsent = providerRequest.stop === undefined ? undefined : provider.provider.unsentStops?.(providerRequest.stop);
    let response: ChatResponse;
    try {
      response = await provider.provider.chat(
        sent,
        { signal: call?.signal ?? context.signal ?? neverCancelled, credential, model: limitsOf(model), headers: attempt?.upstreamHeaders, rawJson: context.rawJson },
      );
    } catch (thrown) {
      const error = upstreamFailure(provider.name, thrown);
      if (attempt) {
        attempt.upstreamMs = performance.now() - started;
        // A call cut while the model generated is charged that output, or reasoning, by time; an
        // answer cut at the size limit its output bound (hidden-reasoning.ts).
        const charge = failedCallCharge(attempt, error, {
          reasoning: () => chatReasoningBound(providerRequest, model, provider.provider.family),
          output: () => chatOutputCap(providerRequest, model),
          choices: providerRequest.n ?? 1,
        });
        attempt.fail(error, () => estimateChat(request, [], charge));
      }
      throw error;
    }
    const upstreamMs = performance.now() - started;
    if (attempt) {
      attempt.upstreamMs = upstreamMs;
      attempt.responseModel = response.model;
    }
    // The ledger keeps what the vendor generated and billed; the client gets the answer cut at its stops.
    const answer = unsent === undefined ? response : cutChatResponse(response, unsent);
    const encoded = context.encodeAnswer === undefined ? undefined : encodedAnswer(context.encodeAnswer, answer, response, request, provider, attempt);
    if (attempt) {
      if (routing?.emptyFallsBack === true && response.choices.every((choice) => !choice.content && choice.toolCalls.length === 0)) attempt.discardedEmpty = true;
      attempt.end({ status: 200, errorCode: null, incomplete: false, usage: response.usage, estimate: () => estimateChat(request, outputTexts(response)) });
    }
    return { response: answer, route: { model, provider, upstreamMs }, encoded };
  }

  /**
   * Starts a stream and waits for its first part, so failures before streaming (bad key, rate
   * limit) reject here and an HTTP caller can still answer with a proper status.
   */
  stream(request: PublicChatRequest, context: CallContext = {}): Promise<StreamOutcome> {
    try {
      this.refuseUnlisted(context, request.model, 'chat', true);
      const route = this.router?.find(request.model, context.projectId);
      if (route && this.router) return routeStream(this.router, route, request, context, (resolved, call) => this.#stream(resolved, request, context, call));
      return this.#stream(this.resolve(request.model), request, context, undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** One streamed attempt: waits for the first part, or with `routing` for the commit point (see routed-call.ts). */
  async #stream(resolved: ResolvedModel, request: PublicChatRequest, context: CallContext, call: RoutedCall | undefined): Promise<StreamOutcome> {
    const { model, provider } = resolved;
    const routing = call?.routing;
    const providerRequest = applyModelFeatures({ ...request, model: model.modelId }, model);
    validateChatRequest(providerRequest, model, true);
    const resolving = this.#credentials.resolve(context.projectId, provider);
    const credential = resolving instanceof Promise ? await resolving : resolving;
    const scope = idScopeOf(this.#idKey, context.projectId, credential);
    if (scope !== undefined && providerRequest.native !== undefined) refuseSharedState(providerRequest.native.family, providerRequest.native.fields);
    const admitting = admitCall(this.#parts, context, request.model, 'chat', true, model, provider, () => estimateBoundedChat(request, providerRequest, model, provider.provider.family), call);
    const ticket = admitting instanceof Promise ? await admitting : admitting;
    const attempt = beginAttempt(this.usage, context, request.model, 'chat', true, model, provider, ticket, routing);
    // Scoped after admission: the estimate sets the output bound on providerRequest, which the copy must carry.
    const sent = scope === undefined ? providerRequest : scopeChatRequest(providerRequest, scope);
    const started = performance.now();
    let upstream: AsyncIterator<StreamPart>;
    try {
      const parts = provider.provider.stream(
        sent,
        { signal: call?.signal ?? context.signal ?? neverCancelled, credential, model: limitsOf(model), headers: attempt?.upstreamHeaders, rawJson: context.rawJson },
      );
      upstream = parts[Symbol.asyncIterator]();
    } catch (error) {
      // A provider that throws before handing back its stream (a user class's bug): the attempt still ends.
      if (attempt) {
        attempt.upstreamMs = performance.now() - started;
        attempt.fail(error, () => estimateChat(request, []));
      }
      throw error;
    }
    const observed = attempt ? observeStream(upstream, attempt, request, chatReasoningBound(providerRequest, model, provider.provider.family)) : upstream;
    const unsent = providerRequest.stop === undefined ? undefined : provider.provider.unsentStops?.(providerRequest.stop);
    const iterator = unsent === undefined ? observed : cutStreamAtStops(observed, unsent, request, attempt, upstream);
    if (routing) return commitStream(iterator, attempt, { model, provider, upstreamMs: 0 }, started);
    const first = await iterator.next();
    const route: Route = { model, provider, upstreamMs: performance.now() - started };
    return { route, parts: replayFirst(first, iterator) };
  }

  /**
   * Whether `model` can be served on the vendor's own `api` (an Anthropic model for
   * `anthropic-messages`, an OpenAI model for `openai-responses`). Throws `no_such_model` like chat.
   */
  supportsNative(model: string, api: NativeApi, projectId?: string | null): boolean {
    // A route is served through the normalized path (its targets may be any vendor's).
    if (this.router?.find(model, projectId)) return false;
    const { provider } = this.resolve(model);
    return provider.provider.native !== undefined && (provider.provider.nativeApis ?? []).includes(api);
  }

  /**
   * Calls the vendor's own API with the client's body unchanged apart from `model` (replaced by the
   * row's model id), `stream`, and the output limit a governed call's reservation assumed when the
   * body sets none (output-cap.ts), resolving model → provider → credential exactly like `chat`.
   * On a credential the project does not own, end-user ids and cache keys go as its pseudonyms
   * (shared-account-ids.ts), as on every path, and files and other state the vendor keeps by id are
   * refused (shared-account-files.ts, shared-account-state.ts). Throws `unsupported_feature` when the serving
   * provider has no such API (check `supportsNative`). See native-call.ts.
   */
  native(call: NativeCall, context: CallContext = {}): Promise<NativeResult> {
    try {
      const modelName = typeof call.body['model'] === 'string' ? call.body['model'] : '';
      const endpoint = nativeEndpoints[call.api];
      this.refuseUnlisted(context, modelName, endpoint, call.stream);
      return nativeAttempt(this.#parts, this.resolve(modelName, context.projectId), modelName, endpoint, call, context);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async embed(request: PublicEmbedRequest, context: CallContext = {}): Promise<{ response: EmbedResponse; route: Route }> {
    this.refuseUnlisted(context, request.model, 'embeddings', false);
    const route = this.router?.find(request.model, context.projectId);
    if (route && this.router) return routeEmbed(this.router, route, request, context, (resolved, call) => embedAttempt(this.#parts, resolved, request, context, call));
    return embedAttempt(this.#parts, this.resolve(request.model), request, context, undefined);
  }

  /**
   * Admits a call that generates nothing and is free (counting tokens): the key's access to the
   * model (403 `model_not_allowed`), then one request from every requests-per-minute limit that
   * applies (429 `rate_limited`); no tokens, no budget, no ledger row. The answer carries the
   * limits' `x-ratelimit-*` headers (`context.onGovernanceHeaders`).
   */
  async admitRequestOnly(modelName: string, context: CallContext = {}): Promise<void> {
    this.refuseUnlisted(context, modelName, undefined, false);
    const { model, provider } = this.resolve(modelName, context.projectId);
    if (!this.governor) return;
    const admitting = this.governor.admit({
      projectId: context.projectId,
      apiKeyId: context.apiKeyId,
      publicName: modelName,
      model,
      provider,
      estimate: () => ({ inputTokens: 0, outputTokens: 0 }),
      requestsOnly: true,
    });
    const ticket = admitting instanceof Promise ? await admitting : admitting;
    if (ticket === openTicket) return;
    // A request is consumed whole, whatever the call does next.
    ticket.settleAsReserved();
    context.onGovernanceHeaders?.(ticket.headers());
  }
}
