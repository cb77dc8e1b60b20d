import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeEmbeddings } from '../encode-embeddings.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { parseEmbedRequest } from '../parse-embed-request.js';
import { readJsonBody } from '../read-body.js';
import { sendBody } from '../send.js';
import { beginV1Request, callContext, resolveModel, takeKeySlot } from './v1-request.js';

/** `POST /v1/embeddings`. Its body limit is the lower `embeddingsBodyLimitBytes`: no images travel here. */
export async function embeddings(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const owner = beginV1Request(gateway, exchange, request);
  takeKeySlot(gateway, exchange, owner);
  const { config } = gateway;
  const body = await readJsonBody(request, Math.min(config.bodyLimitBytes, config.embeddingsBodyLimitBytes), config, gateway.bodyBudget, owner.keyId);
  if (gateway.config.logBodies) exchange.requestBody = body;
  const parsed = parseEmbedRequest(body);
  const model = parsed.request.model;
  resolveModel(gateway, exchange, model, 'embeddings', false);
  const result = await gateway.service.embed(parsed.request, callContext(exchange, owner));
  exchange.upstreamMs = result.route.upstreamMs;
  exchange.inputTokens = result.response.usage.inputTokens;
  sendBody(gateway, exchange, response, 200, JSON.stringify(encodeEmbeddings(result.response, model, parsed.encodingFormat)));
}
