/**
 * Names a key may not call (outside its project's or its own allow-list): 403 `model_not_allowed`
 * (issue 10's contract) for every such name, whether a model or route of that name exists or not,
 * raised before anything reads a model or route row, so no status, message or header tells a key
 * which names exist beyond its lists. The refusal's ledger row belongs to the caller's project and
 * names only what the caller sent: no model, provider, vendor model, route or price.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { UsageRowInsert } from '../db/sql/usage-columns.js';
import type { Governor } from '../governance/governor.js';
import { GovernanceError } from '../governance/governance-error.js';
import type { UsageEndpoint } from '../usage/usage-attempt.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';
import type { CallContext } from './service-types.js';

/** The error code of a refused name, in the answer and the ledger. */
export const REFUSED_NAME_CODE = 'model_not_allowed';

/**
 * The spelling of a model or route name (a route's allows `+`): a refused name that cannot be one
 * gets no ledger row, so the ledger holds no client text a model or route row could not have named
 * (terminal controls, NUL), and such a name is not one the caller could learn anything about.
 */
const NAME_SPELLING = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;

/** Whether the key may call `model`: one property check when no project or key has an allow-list. */
export function mayCall(governor: Governor | undefined, projectId: string | undefined, apiKeyId: string | undefined, model: string): boolean {
  return governor === undefined || !governor.rules.listsModels || governor.allows(projectId, apiKeyId, model);
}

/**
 * Refuses `model` (403 `model_not_allowed`): counted in the governance refusals, one ledger row
 * when the call is one (`endpoint`; counting tokens is not) and `model` is spelt like a name, then
 * thrown.
 */
export function refuseName(
  governor: Governor | undefined,
  usage: UsageRecorder | undefined,
  context: CallContext,
  model: string,
  endpoint: UsageEndpoint | undefined,
  streamed: boolean,
): never {
  if (governor !== undefined) governor.refusals.set(REFUSED_NAME_CODE, (governor.refusals.get(REFUSED_NAME_CODE) ?? 0) + 1);
  if (endpoint !== undefined && NAME_SPELLING.test(model)) usage?.recordUnserved(refusalRow(context, model, endpoint, streamed));
  throw new GovernanceError(REFUSED_NAME_CODE, `This API key is not allowed to call '${model}'.`, { param: 'model' });
}

function refusalRow(context: CallContext, model: string, endpoint: UsageEndpoint, streamed: boolean): UsageRowInsert {
  const now = Date.now();
  return {
    requestId: context.requestId ?? randomUUID(),
    attempt: 1,
    startedAtMs: now,
    endedAtMs: now,
    projectId: context.projectId ?? null,
    apiKeyId: context.apiKeyId ?? null,
    requestedModel: model,
    modelId: null,
    modelName: null,
    providerId: null,
    providerName: null,
    vendorModelId: null,
    endpoint,
    streamed,
    status: 403,
    errorCode: REFUSED_NAME_CODE,
    incomplete: false,
    overheadMs: context.receivedAt === undefined ? 0 : Math.max(0, performance.now() - context.receivedAt),
    upstreamMs: 0,
    ttftMs: null,
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    webSearchCalls: 0,
    usageSource: 'none',
    rawUsage: null,
    priceId: null,
    providerPriceId: null,
    costUsd: '0.000000000000',
    routeName: null,
    routeVersion: null,
    arm: null,
    servedArm: null,
    fallback: false,
  };
}
