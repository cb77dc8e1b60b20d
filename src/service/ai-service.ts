/**
 * The AI service: public model name → registry → credential → provider call. Everything it needs
 * per request comes from in-memory snapshots; it never queries the database.
 *
 * @module
 */
import type { CredentialResolver } from '../credentials/credential-resolver.js';
import { randomUUID, type KeyObject } from 'node:crypto';
import { scopedIdKey } from '../crypto/scoped-id.js';
import type { ChatResponse, EmbedResponse, NativeAnswer, NativeApi, StreamPart, Usage } from '../providers/spec/index.js';
import { SwitchboardError } from '../errors.js';
import type { ModelEntry, ProviderEntry, ProviderRegistry, ResolvedModel } from '../registry/provider-registry.js';
import { estimateChat, observeStream } from '../usage/observe-stream.js';
import { cutByCap, cutByTimeout, type AttemptRouting, type UsageAttempt, type UsageEndpoint } from '../usage/usage-attempt.js';
import { embeddedInputs } from '../providers/shared/billed-provider-error.js';
import type { Router } from '../routing/router.js';
import { routeChat, routeEmbed, routeStream, routedModel, type RoutedCall } from './routed-call.js';
import { observeNative } from '../usage/observe-native.js';
import { nativeEstimate } from '../usage/native-estimate.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';
import { openTicket, type Ticket } from '../governance/admission-ticket.js';
import { estimateEmbedCall } from '../governance/estimate-call.js';
import { estimateBoundedChat, estimateBoundedNative } from './output-cap.js';
import type { Governor, TokenEstimate } from '../governance/governor.js';
import { applyModelFeatures, validateChatRequest, validateEmbedModel } from './validate-request.js';
import { commitStream } from './stream-commit.js';
import { cutChatResponse } from './stop-cutter.js';
import { cutStreamAtStops } from './stop-cut-stream.js';
import { chatReasoningBound, nativeReasoningBound } from './reasoning-bound.js';
import { failedCallCharge } from '../usage/hidden-reasoning.js';
import { chatOutputCap, nativeOutputCap } from '../governance/estimate-call.js';

import type { CallContext, ChatResult, NativeCall, PublicChatRequest, PublicEmbedRequest, Route, StreamOutcome } from './service-types.js';
import { embedUsage, encodedAnswer, encodedNativeAnswer, estimateEmbedding, limitsOf, nativeEndpoints, outputTexts, replayFirst } from './call-parts.js';
import { neverCancelled } from '../cancel.js';
import { idScopeOf, scopeChatRequest, scopeEmbedRequest, scopeNativeBody } from './shared-account-ids.js';
import { refuseStoredFiles } from './shared-account-files.js';
import { refuseSharedState } from './shared-account-state.js';
import { mayCall, refuseName } from './model-access.js';
import { upstreamFailure } from '../providers/shared/upstream-limits.js';
import { tokenCount } from '../providers/shared/usage-buckets.js';

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

  constructor(options: AIServiceOptions) {
    this.governor = options.governor;
    this.#idKey = options.scopedIdKey ?? scopedIdKey(undefined);
    this.#registry = options.registry;
    this.#credentials = options.credentials;
    this.usage = options.usage;
    this.router = options.router;
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
    const admitting = this.#admit(context, request.model, 'chat', false, model, provider, () => estimateBoundedChat(request, providerRequest, model, provider.provider.family), call);
    const ticket = admitting instanceof Promise ? await admitting : admitting;
    const attempt = this.#begin(context, request.model, 'chat', false, model, provider, ticket, routing);
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
    const encoded = context.encodeAnswer === undefined ? undefined : encodedAnswer(context.encodeAnswer, answer, response, request, provider.name, attempt);
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
    const admitting = this.#admit(context, request.model, 'chat', true, model, provider, () => estimateBoundedChat(request, providerRequest, model, provider.provider.family), call);
    const ticket = admitting instanceof Promise ? await admitting : admitting;
    const attempt = this.#begin(context, request.model, 'chat', true, model, provider, ticket, routing);
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
   * provider has no such API (check `supportsNative`).
   */
  async native(call: NativeCall, context: CallContext = {}): Promise<{ answer: NativeAnswer; route: Route; encoded?: string | undefined }> {
    const modelName = typeof call.body['model'] === 'string' ? call.body['model'] : '';
    const endpoint = nativeEndpoints[call.api];
    this.refuseUnlisted(context, modelName, endpoint, call.stream);
    const { model, provider } = this.resolve(modelName, context.projectId);
    const native = provider.provider.native;
    if (!native || !(provider.provider.nativeApis ?? []).includes(call.api)) {
      throw new SwitchboardError('unsupported_feature', `The provider '${provider.name}' of model '${model.name}' does not serve ${call.api}.`, {
        param: 'model',
      });
    }
    if (call.stream && model.features.streaming === false) {
      throw new SwitchboardError('unsupported_feature', `The model '${model.name}' does not support streaming.`, { param: 'stream' });
    }
    const resolving = this.#credentials.resolve(context.projectId, provider);
    const credential = resolving instanceof Promise ? await resolving : resolving;
    const unscoped: Record<string, unknown> = { ...call.body, model: model.modelId };
    const scope = idScopeOf(this.#idKey, context.projectId, credential);
    if (scope !== undefined) {
      refuseStoredFiles(call.api, call.body);
      refuseSharedState(call.api === 'openai-responses' ? 'openai' : 'anthropic', call.body);
    }
    const body = scope === undefined ? unscoped : scopeNativeBody(call.api, unscoped, scope);
    // Counting tokens generates nothing and is free: only generation calls are ledger rows (and governed).
    const ticket = endpoint === undefined ? openTicket : await this.#admit(context, modelName, endpoint, call.stream, model, provider, () => estimateBoundedNative(call.body, body, call.api, model));
    const attempt = endpoint === undefined ? undefined : this.#begin(context, modelName, endpoint, call.stream, model, provider, ticket);
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

  async embed(request: PublicEmbedRequest, context: CallContext = {}): Promise<{ response: EmbedResponse; route: Route }> {
    this.refuseUnlisted(context, request.model, 'embeddings', false);
    const route = this.router?.find(request.model, context.projectId);
    if (route && this.router) return routeEmbed(this.router, route, request, context, (resolved, call) => this.#embed(resolved, request, context, call));
    return this.#embed(this.resolve(request.model), request, context, undefined);
  }

  async #embed(resolved: ResolvedModel, request: PublicEmbedRequest, context: CallContext, call: RoutedCall | undefined): Promise<{ response: EmbedResponse; route: Route }> {
    const { model, provider } = resolved;
    const routing = call?.routing;
    validateEmbedModel(model);
    if (!provider.provider.embed) {
      throw new SwitchboardError('unsupported_feature', `The provider '${provider.name}' of model '${model.name}' has no embeddings.`, {
        param: 'model',
      });
    }
    const resolving = this.#credentials.resolve(context.projectId, provider);
    const credential = resolving instanceof Promise ? await resolving : resolving;
    const admitting = this.#admit(context, request.model, 'embeddings', false, model, provider, () => estimateEmbedCall(request.input), call);
    const ticket = admitting instanceof Promise ? await admitting : admitting;
    const attempt = this.#begin(context, request.model, 'embeddings', false, model, provider, ticket, routing);
    const started = performance.now();
    let response: EmbedResponse;
    try {
      const embedRequest = { ...request, model: model.modelId };
      const scope = idScopeOf(this.#idKey, context.projectId, credential);
      response = await provider.provider.embed(
        scope === undefined ? embedRequest : scopeEmbedRequest(embedRequest, scope),
        { signal: call?.signal ?? context.signal ?? neverCancelled, credential, model: limitsOf(model), headers: attempt?.upstreamHeaders, rawJson: context.rawJson },
      );
    } catch (error) {
      if (attempt) {
        attempt.upstreamMs = performance.now() - started;
        // Cut by the client, a timeout or the size limits: the vendor embedded, and bills, the input.
        // A later batch refused: the batches before it were embedded, and are billed.
        const embedded = embeddedInputs(error);
        if (embedded === undefined || cutByTimeout(error) || cutByCap(error)) attempt.fail(error, () => estimateEmbedding(request.input));
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
      if (routing?.emptyFallsBack === true && response.embeddings.length === 0) attempt.discardedEmpty = true;
      const estimate = estimated === undefined ? () => estimateEmbedding(request.input) : () => Promise.resolve(estimated);
      attempt.end({ status: 200, errorCode: null, incomplete: false, usage, estimate });
    }
    return { response, route: { model, provider, upstreamMs } };
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

  /**
   * Reserves the call's worst case against its budgets and rate limits; a refusal is one ledger
   * row. Synchronous when the governor decides at once (see Governor.admit), else a promise.
   */
  #admit(
    context: CallContext,
    requestedModel: string,
    endpoint: UsageEndpoint,
    streamed: boolean,
    model: ModelEntry,
    provider: ProviderEntry,
    estimate: () => TokenEstimate | Promise<TokenEstimate>,
    call?: RoutedCall,
  ): Ticket | Promise<Ticket> {
    if (!this.governor) return openTicket;
    const refused = (error: unknown): never => {
      this.#begin(context, requestedModel, endpoint, streamed, model, provider, openTicket, call?.routing)?.fail(error, undefined);
      throw error;
    };
    // One client request is one request against requests-per-minute, however many attempts it takes.
    const countRequest = call?.admission.requestCounted !== true;
    // Budgets and token limits count the calls ended so far at their recorded cost.
    this.usage?.settleEnded();
    let admitted: Ticket | Promise<Ticket>;
    try {
      admitted = this.governor.admit({ projectId: context.projectId, apiKeyId: context.apiKeyId, publicName: requestedModel, model, provider, estimate, countRequest });
    } catch (error) {
      return refused(error);
    }
    if (admitted instanceof Promise) return admitted.then((ticket) => admittedTicket(ticket, context, call), refused);
    return admittedTicket(admitted, context, call);
  }

  #begin(
    context: CallContext,
    requestedModel: string,
    endpoint: UsageEndpoint,
    streamed: boolean,
    model: ModelEntry,
    provider: ProviderEntry,
    ticket: Ticket,
    routing?: AttemptRouting,
  ): UsageAttempt | undefined {
    const attempt = this.usage?.begin(
      {
        requestId: context.requestId ?? randomUUID(),
        projectId: context.projectId ?? null,
        apiKeyId: context.apiKeyId ?? null,
        receivedAt: context.receivedAt,
        signal: context.signal,
        trace: context.trace,
      },
      requestedModel,
      endpoint,
      streamed,
      model,
      provider,
    );
    if (attempt && routing) {
      attempt.routing = routing;
      attempt.precommit = streamed;
    }
    // The ledger row's cost settles the reservation; without a ledger it is charged as reserved.
    if (ticket !== openTicket) {
      if (attempt) attempt.onCost = (costPico, tokens) => ticket.settle(costPico, tokens);
      else ticket.settleAsReserved();
    }
    return attempt;
  }
}

/** Notes an admitted call: its request is counted, and its answer carries the ticket's headers. */
function admittedTicket(ticket: Ticket, context: CallContext, call: RoutedCall | undefined): Ticket {
  if (call) call.admission.requestCounted = true;
  if (ticket !== openTicket) context.onGovernanceHeaders?.(ticket.headers());
  return ticket;
}

/** The usage of a call that reported none. */
function noUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
}
