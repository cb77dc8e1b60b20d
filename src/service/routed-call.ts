/**
 * Chat, stream and embeddings calls on a route: the service's single-target call made once per
 * attempt by the route runner (src/routing), with the sticky key taken from the request.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { EmbedResponse } from '../providers/spec/index.js';
import type { ResolvedModel } from '../registry/provider-registry.js';
import { runRoute, type RoutedAttempt, type RunOptions } from '../routing/route-runner.js';
import type { RouteEntry } from '../routing/route-table.js';
import type { Router } from '../routing/router.js';
import { SwitchboardError } from '../errors.js';
import type { AttemptRouting } from '../usage/usage-attempt.js';
import type { CallContext, ChatResult, PublicChatRequest, PublicEmbedRequest, Route, StreamOutcome } from './ai-service.js';
import type { CommittedStream } from './stream-commit.js';
import type { CancelSignal } from '../cancel.js';

/** The sticky key of a request on `route`: the header, the `user` field, or none (per the route's setting). */
export function stickyKeyOf(route: RouteEntry, request: { user?: string | undefined }, context: CallContext): string | undefined {
  switch (route.stickyKey) {
    case 'none':
      return undefined;
    case 'user':
      return boundedKey(request.user);
    case 'header':
      return boundedKey(context.stickyKey);
    default:
      return boundedKey(context.stickyKey || request.user);
  }
}

/** Longest sticky key hashed as is; the key is hashed once per target, so a longer one is reduced to its digest first. */
const MAX_STICKY_KEY_CHARS = 256;

function boundedKey(key: string | undefined): string | undefined {
  if (!key) return undefined;
  return key.length <= MAX_STICKY_KEY_CHARS ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** The model a route resolves to for checks made before the call: its first servable target. */
export function routedModel(route: RouteEntry): ResolvedModel {
  const target = route.targets.find((candidate) => candidate.resolved && candidate.weight > 0);
  if (!target?.resolved) {
    throw new SwitchboardError('provider_unavailable', `The route '${route.name}' has no target that can serve (see \`switchboard routes status\`).`, {
      status: 503,
      param: 'model',
    });
  }
  return target.resolved;
}

/** What one attempt of a routed request gets besides its target. */
export interface RoutedCall {
  /** The attempt's ledger columns. */
  routing: AttemptRouting;
  /** The upstream call's signal: the client's abort and the route's deadline. */
  signal: CancelSignal;
  /**
   * Shared by every attempt of the request: set once one attempt was admitted, so a fallback or a
   * retry is not one more request against a requests-per-minute limit (tokens and budgets are
   * still reserved per attempt).
   */
  admission: { requestCounted: boolean };
}

type Attempt<T> = (resolved: ResolvedModel, call: RoutedCall) => Promise<T>;

export function routeChat(
  router: Router,
  route: RouteEntry,
  request: PublicChatRequest,
  context: CallContext,
  attempt: Attempt<ChatResult>,
): Promise<ChatResult> {
  return run(router, route, request, context, attempt, chatHandling);
}

// Made once: the runner's hooks close over nothing of the request.
const chatHandling: Pick<RunOptions<ChatResult>, 'isEmpty'> = {
  isEmpty: (result) => result.response.choices.every((choice) => !choice.content && choice.toolCalls.length === 0),
};
const streamHandling: Pick<RunOptions<StreamOutcome>, 'isEmpty' | 'discard' | 'streams'> = {
  isEmpty: (outcome) => (outcome as Partial<CommittedStream>).empty === true,
  discard: async (outcome) => {
    await outcome.parts[Symbol.asyncIterator]().return?.();
  },
  streams: true,
};

export function routeStream(
  router: Router,
  route: RouteEntry,
  request: PublicChatRequest,
  context: CallContext,
  attempt: Attempt<StreamOutcome>,
): Promise<StreamOutcome> {
  return run(router, route, request, context, attempt, streamHandling);
}

/** Embeddings on a route: the same retries and fallbacks as chat (an answer without a vector per input is the provider's 502, see embed-call.ts). */
export function routeEmbed(
  router: Router,
  route: RouteEntry,
  request: PublicEmbedRequest,
  context: CallContext,
  attempt: Attempt<{ response: EmbedResponse; route: Route }>,
): Promise<{ response: EmbedResponse; route: Route }> {
  return run(router, route, request, context, attempt, {});
}

function run<T>(
  router: Router,
  route: RouteEntry,
  request: { user?: string | undefined },
  context: CallContext,
  attempt: Attempt<T>,
  handling: Pick<RunOptions<T>, 'isEmpty' | 'discard' | 'streams'>,
): Promise<T> {
  const admission = { requestCounted: false };
  return runRoute<T>(router, route, {
    projectId: context.projectId ?? null,
    stickyKey: stickyKeyOf(route, request, context),
    signal: context.signal,
    abortController: context.abortController,
    onRouted: context.onRouted,
    // The routed attempt carries the ledger's routing columns itself (AttemptRouting is a subset).
    attempt: (routed: RoutedAttempt) => attempt(routed.resolved, { routing: routed, signal: routed.signal, admission }),
    isEmpty: handling.isEmpty,
    discard: handling.discard,
    streams: handling.streams,
  });
}
