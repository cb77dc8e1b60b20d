/**
 * Admitting a call and opening its ledger attempt: the call's worst case reserved against its
 * budgets and rate limits (a refusal is one ledger row), and the attempt whose recorded cost settles
 * that reservation. Shared by the AI service's chat, stream, embeddings and native calls.
 *
 * @module
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import type { CredentialResolver } from '../credentials/credential-resolver.js';
import { openTicket, type Ticket } from '../governance/admission-ticket.js';
import type { Governor, TokenEstimate } from '../governance/governor.js';
import type { ModelEntry, ProviderEntry } from '../registry/provider-registry.js';
import type { AttemptRouting, UsageAttempt, UsageEndpoint } from '../usage/usage-attempt.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';
import type { RoutedCall } from './routed-call.js';
import type { CallContext } from './service-types.js';

/** What the AI service's calls share, built once with the service (never per request). */
export interface ServiceParts {
  /** Budgets, rate limits and model access (off when absent). */
  readonly governor: Governor | undefined;
  /** The usage recorder, when the ledger is on. */
  readonly usage: UsageRecorder | undefined;
  readonly credentials: CredentialResolver;
  /** The key of the per-project pseudonyms (AIServiceOptions.scopedIdKey). */
  readonly idKey: KeyObject;
}

/**
 * Reserves the call's worst case against its budgets and rate limits; a refusal is one ledger
 * row. Synchronous when the governor decides at once (see Governor.admit), else a promise.
 */
export function admitCall(
  parts: ServiceParts,
  context: CallContext,
  requestedModel: string,
  endpoint: UsageEndpoint,
  streamed: boolean,
  model: ModelEntry,
  provider: ProviderEntry,
  estimate: () => TokenEstimate | Promise<TokenEstimate>,
  call?: RoutedCall,
): Ticket | Promise<Ticket> {
  const governor = parts.governor;
  if (!governor) return openTicket;
  const refused = (error: unknown): never => {
    beginAttempt(parts.usage, context, requestedModel, endpoint, streamed, model, provider, openTicket, call?.routing)?.fail(error, undefined);
    throw error;
  };
  // One client request is one request against requests-per-minute, however many attempts it takes.
  const countRequest = call?.admission.requestCounted !== true;
  // Budgets and token limits count the calls ended so far at their recorded cost.
  parts.usage?.settleEnded();
  let admitted: Ticket | Promise<Ticket>;
  try {
    admitted = governor.admit({ projectId: context.projectId, apiKeyId: context.apiKeyId, publicName: requestedModel, model, provider, estimate, countRequest });
  } catch (error) {
    return refused(error);
  }
  if (admitted instanceof Promise) return admitted.then((ticket) => admittedTicket(ticket, context, call), refused);
  return admittedTicket(admitted, context, call);
}

/** Opens the call's ledger attempt (none without a ledger) and ties `ticket`'s settlement to its cost. */
export function beginAttempt(
  usage: UsageRecorder | undefined,
  context: CallContext,
  requestedModel: string,
  endpoint: UsageEndpoint,
  streamed: boolean,
  model: ModelEntry,
  provider: ProviderEntry,
  ticket: Ticket,
  routing?: AttemptRouting,
): UsageAttempt | undefined {
  const attempt = usage?.begin(
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

/** Notes an admitted call: its request is counted, and its answer carries the ticket's headers. */
function admittedTicket(ticket: Ticket, context: CallContext, call: RoutedCall | undefined): Ticket {
  if (call) call.admission.requestCounted = true;
  if (ticket !== openTicket) context.onGovernanceHeaders?.(ticket.headers());
  return ticket;
}
