import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeEmbeddings } from '../encode-embeddings.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { parseEmbedRequest } from '../parse-embed-request.js';
import { readJsonBody } from '../read-body.js';
import { sendBody } from '../send.js';
import { beginV1Request, callContext, resolveModel } from './v1-request.js';

/** `POST /v1/embeddings`. */
export async function embeddings(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const owner = beginV1Request(gateway, exchange, request);
  const body = await readJsonBody(request, gateway.config.bodyLimitBytes);
  if (gateway.config.logBodies) exchange.requestBody = body;
  const parsed = parseEmbedRequest(body);
  const model = parsed.request.model;
  resolveModel(gateway, exchange, model);
  const result = await gateway.service.embed(parsed.request, callContext(exchange, owner));
  exchange.upstreamMs = result.route.upstreamMs;
  exchange.inputTokens = result.response.usage.inputTokens;
  sendBody(gateway, exchange, response, 200, JSON.stringify(encodeEmbeddings(result.response, model, parsed.encodingFormat)));
}
