import type { IncomingMessage } from 'node:http';
import type { KeyOwner } from '../../registry/api-key-index.js';
import type { CallContext } from '../../service/ai-service.js';
import { authenticate } from '../auth.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';

/**
 * The start of every /v1 request: takes the current config snapshot (its version goes into the
 * answer's headers) and authenticates the key against it. No database query.
 */
export function beginV1Request(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage): KeyOwner {
  const snapshot = gateway.snapshot();
  exchange.configVersion = snapshot.version;
  const owner = authenticate(request.headers, snapshot.apiKeys);
  exchange.owner = owner;
  return owner;
}

/** Records which model and provider a request addresses (throws `no_such_model` for unknown names). */
export function resolveModel(gateway: GatewayContext, exchange: Exchange, model: string): void {
  exchange.model = model;
  const resolved = gateway.service.resolve(model);
  exchange.modelKnown = true;
  exchange.provider = resolved.provider.name;
}

/** The service call context of a /v1 request: its project, key, id and arrival time (for the ledger). */
export function callContext(exchange: Exchange, owner: KeyOwner): CallContext {
  return { projectId: owner.projectId, apiKeyId: owner.keyId, requestId: exchange.requestId, receivedAt: exchange.started, signal: exchange.signal };
}
