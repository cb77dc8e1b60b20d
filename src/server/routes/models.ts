import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchboardError } from '../../errors.js';
import { encodeModel, encodeModelList } from '../encode-models.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { sendJson } from '../send.js';
import { beginV1Request, resolveModel } from './v1-request.js';

function loadedAt(gateway: GatewayContext): number {
  return Math.floor(gateway.snapshot().registry.loadedAt.getTime() / 1000);
}

/** `GET /v1/models`: every model a client may call now. */
export function listModels(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage, response: ServerResponse): void {
  const owner = beginV1Request(gateway, exchange, request);
  sendJson(gateway, exchange, response, 200, encodeModelList(gateway.service.modelsFor(owner.projectId, owner.keyId), loadedAt(gateway)));
}

/**
 * `GET /v1/models/{model}`: `name` is the rest of the path, percent-decoded (names may hold `/`).
 * Any name the key may call answers, resolved as a call would be: the key's project's route of
 * that name, else a global route, else the model. `id` is the name asked for; `owned_by` the
 * provider that would serve it first.
 */
export function retrieveModel(
  gateway: GatewayContext,
  exchange: Exchange,
  request: IncomingMessage,
  response: ServerResponse,
  encodedName: string,
): void {
  const owner = beginV1Request(gateway, exchange, request);
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    throw new SwitchboardError('invalid_request', 'The model name in the path is not valid percent-encoding.', { param: 'model' });
  }
  // A name outside the key's allow-lists is 403 whether it exists or not (service/model-access.ts).
  resolveModel(gateway, exchange, name, undefined, false);
  const model = gateway.service.resolve(name, owner.projectId).model;
  sendJson(gateway, exchange, response, 200, encodeModel({ name, providerName: model.providerName }, loadedAt(gateway)));
}
