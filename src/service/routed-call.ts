/**
 * Chat and stream calls on a route: the service's single-target call made once per attempt by the
 * route runner (src/routing), with the sticky key taken from the request.
 *
 * @module
 */
import type { ChatResponse } from '../providers/spec/index.js';
import type { ResolvedModel } from '../registry/provider-registry.js';
import { runRoute, type RoutedAttempt } from '../routing/route-runner.js';
import type { RouteEntry } from '../routing/route-table.js';
import type { Router } from '../routing/router.js';
import { SwitchboardError } from '../errors.js';
import type { AttemptRouting } from '../usage/usage-attempt.js';
import type { CallContext, PublicChatRequest, Route, StreamOutcome } from './ai-service.js';
import type { CommittedStream } from './stream-commit.js';

type Attempt<T> = (resolved: ResolvedModel, routing: AttemptRouting) => Promise<T>;

/** The sticky key of a request on `route`: the header, the `user` field, or none (per the route's setting). */
export function stickyKeyOf(route: RouteEntry, request: PublicChatRequest, context: CallContext): string | undefined {
  switch (route.stickyKey) {
    case 'none':
      return undefined;
    case 'user':
      return request.user || undefined;
    case 'header':
      return context.stickyKey || undefined;
    default:
      return context.stickyKey || request.user || undefined;
  }
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

export function routeChat(
  router: Router,
  route: RouteEntry,
  request: PublicChatRequest,
  context: CallContext,
  attempt: Attempt<{ response: ChatResponse; route: Route }>,
): Promise<{ response: ChatResponse; route: Route }> {
  return runRoute(router, route, {
    projectId: context.projectId ?? null,
    stickyKey: stickyKeyOf(route, request, context),
    signal: context.signal,
    onRouted: context.onRouted,
    attempt: (routed: RoutedAttempt) => attempt(routed.resolved, routingOf(routed)),
    isEmpty: (result) => result.response.choices.every((choice) => !choice.content && choice.toolCalls.length === 0),
  });
}

export function routeStream(
  router: Router,
  route: RouteEntry,
  request: PublicChatRequest,
  context: CallContext,
  attempt: Attempt<StreamOutcome>,
): Promise<StreamOutcome> {
  return runRoute<StreamOutcome>(router, route, {
    projectId: context.projectId ?? null,
    stickyKey: stickyKeyOf(route, request, context),
    signal: context.signal,
    onRouted: context.onRouted,
    attempt: (routed: RoutedAttempt) => attempt(routed.resolved, routingOf(routed)),
    isEmpty: (outcome) => (outcome as Partial<CommittedStream>).empty === true,
    discard: async (outcome) => {
      await outcome.parts[Symbol.asyncIterator]().return?.();
    },
  });
}

function routingOf(routed: RoutedAttempt): AttemptRouting {
  return {
    routeName: routed.routeName,
    routeVersion: routed.routeVersion,
    arm: routed.arm,
    servedArm: routed.servedArm,
    attempt: routed.attempt,
    fallback: routed.fallback,
  };
}
