/**
 * Runs one request on a route: orders the candidates, then makes attempts until one succeeds or the
 * retry table says stop, bounded by the route's max attempts and deadline. `attempt` is the single
 * place an upstream call happens (one per attempt: per-attempt admission hooks in there).
 *
 * @module
 */
import { ProviderError, SwitchboardError } from '../errors.js';
import type { ResolvedModel } from '../registry/provider-registry.js';
import { clientAborted, RouteDeadline } from './route-deadline.js';
import { classifyFailure, fullJitterMs, type ErrorClass } from './retry-policy.js';
import type { RouteEntry, RouteTarget } from './route-table.js';
import type { Router } from './router.js';
import { orderCandidates, type Candidate } from './select-targets.js';
import type { CancelController, CancelSignal } from '../cancel.js';

/** How a routed request was served: the response headers and the ledger's routing columns. */
export interface RoutingInfo {
  route: string;
  version: number;
  /** The arm of the first attempt's target (the assignment). */
  arm: string;
  /** The public model name of the target that served (or failed last). */
  target: string;
  /** Its provider row's name. */
  provider: string;
  attempts: number;
}

/** One attempt's routing facts, for its ledger row. */
export interface RoutedAttempt {
  routeName: string;
  routeVersion: number;
  arm: string;
  servedArm: string;
  /** 1-based. */
  attempt: number;
  fallback: boolean;
  target: RouteTarget;
  resolved: ResolvedModel;
  /** The upstream call's signal: the client's abort and the route's deadline. */
  signal: CancelSignal;
  /** An empty answer of this attempt would be set aside for the next candidate. */
  emptyFallsBack: boolean;
}

export interface RunOptions<T> {
  projectId: string | null;
  stickyKey: string | undefined;
  signal: CancelSignal | undefined;
  /** The controller of `signal`, when the caller hands it over for this call alone (see RouteDeadline). */
  abortController?: CancelController | undefined;
  /** Told how the request was routed, on success and on the final failure (response headers). */
  onRouted?: ((info: RoutingInfo) => void) | undefined;
  /** The one upstream call of an attempt. */
  attempt: (attempt: RoutedAttempt) => Promise<T>;
  /** An answer with nothing in it (falls back like an error when another candidate accepts `empty`). */
  isEmpty?: (result: T) => boolean;
  /** Releases a result that is not used (an empty stream that falls back). */
  discard?: (result: T) => Promise<void>;
  /** The result keeps reading the upstream after it is returned (a stream): the client's abort must still reach it. */
  streams?: boolean;
}

/** The failure classes a retry pass over the list may help with. */
const TRANSIENT: ReadonlySet<ErrorClass> = new Set(['connection', 'timeout', 'server_error', 'overloaded', 'rate_limited', 'empty']);

// One async function for the whole run (not a wrapper awaiting the loop): each async level is one
// more promise and frame kept alive while the upstream answers.
export async function runRoute<T>(router: Router, route: RouteEntry, options: RunOptions<T>): Promise<T> {
  const guard = new RouteDeadline(options.signal, route.name, route.deadlineMs, options.abortController);
  try {
    const started = router.now();
    const deadline = started + route.deadlineMs;
    const signal = guard.signal;
    let queue = orderCandidates(route, options.stickyKey, router, options.projectId, started, router.random);
    if (queue.length === 0) throw noTarget(route);
    const first = queue[0] as Candidate;
    let attempts = 0;
    let pass = 0;
    let lastError: unknown;
    let required: ErrorClass | undefined;
    let last: RouteTarget = first.target;
    /** Targets retried after a 429's wait in this pass. */
    const waited = new Set<RouteTarget>();

    while (attempts < route.maxAttempts && guard.expired === undefined) {
      let candidate = queue.shift();
      if (candidate === undefined) {
        // A second pass is for transient failures: a context-length or policy refusal, a 403 or an
        // unpriced model gives the same answer however often it is asked.
        if (pass >= route.retriesPerTarget || (required !== undefined && !TRANSIENT.has(required))) break;
        pass += 1;
        const wait = fullJitterMs(pass - 1, router.random);
        if (router.now() + wait >= deadline || !(await sleep(wait, signal))) break;
        queue = orderCandidates(route, options.stickyKey, router, options.projectId, router.now(), router.random);
        waited.clear();
        continue;
      }
      if (required !== undefined && !candidate.target.accepts.has(required)) continue;
      const target = candidate.target;
      const resolved = target.resolved as ResolvedModel;
      attempts += 1;
      const previous = last;
      last = target;
      router.breakers.begin(target.breakerKey, router.now());
      let result: T;
      try {
        result = await options.attempt({
          routeName: route.name,
          routeVersion: route.version,
          arm: first.target.arm,
          servedArm: target.arm,
          attempt: attempts,
          fallback: target !== first.target,
          target,
          resolved,
          signal,
          // The same test as after the answer (below): nothing changes the queue in between.
          emptyFallsBack: attempts < route.maxAttempts && queue.some((next) => next.target.accepts.has('empty')),
        });
      } catch (error) {
        if (lastError !== undefined && !guard.expired && !clientAborted(options.signal) && localRefusal(error)) {
          // A fallback the request does not fit (its model takes no tools, a lower output cap…) is
          // not a candidate: its 400 would name a model the client never asked for and hide the
          // failure that led here. It never reached the target: no attempt, no breaker outcome.
          router.breakers.release(target.breakerKey);
          attempts -= 1;
          last = previous;
          continue;
        }
        lastError = error;
        const clientGone = clientAborted(options.signal);
        if (guard.expired && !clientGone) {
          // The deadline cut this attempt: a timeout against the target's breaker, and the answer.
          lastError = guard.expired;
          record(router, route, target, false, options.projectId);
          break;
        }
        const classified = classifyFailure(error, clientGone);
        // A failure that says nothing about the target's health (a 4xx: it answered) counts as alive,
        // so a half-open probe ends either way; a client that went away releases the probe.
        // An attempt the gateway refused itself (validation, access, limits, a missing credential)
        // never reached the target: it says nothing about its health and must not end a probe.
        if (clientGone || !(error instanceof ProviderError)) router.breakers.release(target.breakerKey);
        else record(router, route, target, !classified.breakerFailure, options.projectId);
        if (classified.action === 'return' || classified.errorClass === undefined) break;
        required = classified.errorClass;
        if (classified.action === 'block_credential') {
          router.blockCredential(options.projectId, resolved.provider, blockReason(error));
          queue = queue.filter((next) => next.target.resolved?.provider.id !== resolved.provider.id);
        } else if (classified.action === 'wait_or_next' && classified.retryAfter !== undefined) {
          const waitMs = classified.retryAfter * 1000;
          // The same target once per pass: a target that keeps answering 429 must not use up every
          // attempt while the next candidate could answer.
          if (waitMs <= route.maxRetryWaitMs && router.now() + waitMs < deadline && attempts < route.maxAttempts && !waited.has(target)) {
            waited.add(target);
            if (!(await sleep(waitMs, signal))) break;
            queue.unshift(candidate);
            candidate = undefined;
          }
        }
        if (router.now() >= deadline) break;
        continue;
      }
      // The target answered, empty or not. An empty answer falls back (below) but is not held
      // against the target's breaker: a client can cause one at will (a stop sequence matching at
      // once, a prompt asking for nothing), and breakers are shared by every route and project.
      const empty = options.isEmpty?.(result) === true;
      record(router, route, target, true, options.projectId);
      if (empty && attempts < route.maxAttempts && queue.some((next) => next.target.accepts.has('empty'))) {
        required = 'empty';
        await options.discard?.(result);
        continue;
      }
      options.onRouted?.(routingInfo(route, first.target, last, attempts));
      return result;
    }
    options.onRouted?.(routingInfo(route, first.target, last, attempts));
    throw guard.expired ?? lastError ?? noTarget(route);
  } finally {
    // A committed answer is not cut by the deadline (see docs/routing.md, the streaming contract).
    guard.disarm(options.streams === true);
  }
}

/** How the request was routed: the arm assigned (the first attempt's) and the target that served or failed last. */
function routingInfo(route: RouteEntry, first: RouteTarget, last: RouteTarget, attempts: number): RoutingInfo {
  return {
    route: route.name,
    version: route.version,
    arm: first.arm,
    target: last.modelName,
    provider: last.resolved?.provider.name ?? '',
    attempts,
  };
}

function record(router: Router, route: RouteEntry, target: RouteTarget, success: boolean, projectId: string | null): void {
  const resolved = target.resolved;
  if (resolved === undefined) return;
  router.breakers.record(target.breakerKey, resolved.provider.id, resolved.model.modelId, success, route.breaker, router.now(), projectId);
}

/** Why a credential was blocked, for the shared row: the upstream status and vendor code (never a message). */
function blockReason(error: unknown): string {
  if (!(error instanceof ProviderError)) return SwitchboardError.isInstance(error) ? error.code : 'refused';
  return `HTTP ${error.upstreamStatus ?? '-'}${error.upstreamCode ? ` ${error.upstreamCode}` : ''}`;
}

/** The gateway's own refusal of the request for this target's model (a 400 made before any upstream call). */
function localRefusal(error: unknown): boolean {
  return SwitchboardError.isInstance(error) && !(error instanceof ProviderError) && (error.code === 'invalid_request' || error.code === 'unsupported_feature');
}

function noTarget(route: RouteEntry): SwitchboardError {
  return new SwitchboardError('provider_unavailable', `The route '${route.name}' has no target that can serve now (see \`switchboard routes status\`).`, {
    status: 503,
    param: 'model',
  });
}

/** Waits `ms`; false when the signal aborted first. */
function sleep(ms: number, signal: CancelSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
