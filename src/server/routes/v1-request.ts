import type { IncomingMessage } from 'node:http';
import { SwitchboardError } from '../../errors.js';
import type { KeyOwner } from '../../registry/api-key-index.js';
import type { CallContext } from '../../service/ai-service.js';
import { mayCall, refuseName } from '../../service/model-access.js';
import type { UsageEndpoint } from '../../usage/usage-attempt.js';
import { authenticate } from '../auth.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { clip } from '../field-checks.js';

/**
 * The start of every /v1 request: takes the current config snapshot (its version goes into the
 * answer's headers) and authenticates the key against it. No database query.
 */
export function beginV1Request(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage): KeyOwner {
  const snapshot = gateway.snapshot();
  exchange.configVersion = snapshot.version;
  const owner = authenticate(request.headers, snapshot.apiKeys, request.socket);
  exchange.owner = owner;
  exchange.stickyKey = stickyHeader(request.headers['x-switchboard-sticky-key']);
  return owner;
}

/**
 * Takes one of the key's concurrency slots (`config.maxConcurrentPerKey`, off when 0), given back
 * when the answer closes; 429 `rate_limit_exceeded` when the key has that many requests in flight.
 */
export function takeKeySlot(gateway: GatewayContext, exchange: Exchange, owner: KeyOwner): void {
  if (!gateway.keyConcurrency.tryAcquire(owner.keyId)) {
    throw new SwitchboardError(
      'rate_limited',
      `Too many concurrent requests for this API key: at most ${gateway.keyConcurrency.limit} at a time (SWITCHBOARD_MAX_CONCURRENT_PER_KEY). Retry when one has finished.`,
    );
  }
  exchange.slotKey = owner.keyId;
}

/** Longest model name accepted; longer names are refused without being echoed or logged. */
export const MAX_MODEL_NAME_CHARS = 256;

/**
 * Records which model and provider a request addresses. Throws 403 `model_not_allowed` for names
 * the key may not call, existing or not, before anything reads a model row (service/model-access.ts:
 * one ledger row when the request is a call, `endpoint`), then `no_such_model` for unknown names.
 */
export function resolveModel(gateway: GatewayContext, exchange: Exchange, model: string, endpoint: UsageEndpoint | undefined, streamed: boolean): void {
  if (model.length > MAX_MODEL_NAME_CHARS) {
    exchange.model = clip(model, 64);
    throw new SwitchboardError('invalid_request', `model is longer than the limit of ${MAX_MODEL_NAME_CHARS} characters.`, { param: 'model' });
  }
  exchange.model = model;
  recheckKey(gateway, exchange);
  const owner = exchange.owner;
  if (owner !== undefined && !mayCall(gateway.service.governor, owner.projectId, owner.keyId, model)) {
    refuseName(gateway.service.governor, gateway.service.usage, callContext(exchange, owner), model, endpoint, streamed);
  }
  const resolved = gateway.service.resolve(model, exchange.owner?.projectId);
  exchange.modelKnown = true;
  exchange.provider = resolved.provider.name;
}

/**
 * The key, checked again once the body has arrived (it may take up to the request timeout): a key
 * revoked, deleted or expired meanwhile is refused before any call is made. Without a change of
 * configuration since the request began, only the expiry can have passed.
 */
function recheckKey(gateway: GatewayContext, exchange: Exchange): void {
  const owner = exchange.owner;
  if (owner === undefined) return;
  const snapshot = gateway.snapshot();
  const valid =
    snapshot.version === exchange.configVersion
      ? owner.expiresAt === undefined || owner.expiresAt > Date.now()
      : snapshot.apiKeys.stillValid(owner.keyId, owner.projectId);
  if (!valid) throw new SwitchboardError('authentication_failed', 'Invalid API key.');
}

/** The service call context of a /v1 request: its project, key, id and arrival time (for the ledger). */
export function callContext(exchange: Exchange, owner: KeyOwner): CallContext {
  return {
    projectId: owner.projectId,
    apiKeyId: owner.keyId,
    requestId: exchange.requestId,
    receivedAt: exchange.started,
    signal: exchange.signal,
    abortController: exchange.controller,
    trace: exchange.span,
    rawJson: exchange.rawJson,
    ...(exchange.stickyKey === undefined ? {} : { stickyKey: exchange.stickyKey }),
    onRouted: (info) => {
      exchange.routing = info;
      exchange.provider = info.provider;
    },
    onGovernanceHeaders: (headers) => {
      exchange.governanceHeaders = headers;
    },
  };
}

/** A sticky key header when it is one sane value (≤ 256 visible ASCII characters). */
function stickyHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 256 && /^[\x21-\x7e]+$/.test(value) ? value : undefined;
}
