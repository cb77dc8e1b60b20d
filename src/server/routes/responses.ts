/**
 * `POST /v1/responses`, OpenAI's Responses API, stateless. A model whose provider speaks the
 * Responses API itself is served on it unchanged (`responses-native.ts`) but for what the row's
 * `native_fields` rules hold back (`native-body.ts`); any other model through the normalized
 * service (`AIService.chat` / `stream`), decoded and encoded here.
 *
 * @module
 */
import type { CallContext } from '../../service/ai-service.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchboardError } from '../../errors.js';
import type { StreamPart } from '../../providers/spec/index.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { ruledResponsesBody } from '../native-body.js';
import { routeGuardedFields } from '../native-field-defaults.js';
import { readJsonRequest } from '../read-body.js';
import { encodeResponse } from '../responses/encode-response.js';
import { checkResponsesBasics, parseResponsesRequest, type ParsedResponsesRequest } from '../responses/parse-responses-request.js';
import { ResponsesEventEncoder } from '../responses/responses-stream.js';
import { sendBody } from '../send.js';
import { pumpSse } from './pump-sse.js';
import { checkNativeLimits, nativeResponses } from './responses-native.js';
import { beginV1Request, callContext, resolveModel, takeKeySlot } from './v1-request.js';

/** `POST /v1/responses`, as JSON or (`stream: true`) as typed Server-Sent Events. */
export async function responses(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const owner = beginV1Request(gateway, exchange, request);
  takeKeySlot(gateway, exchange, owner);
  const { body, raw } = await readJsonRequest(request, gateway.config.bodyLimitBytes, gateway.config, gateway.bodyBudget, owner.keyId);
  exchange.rawJson = raw;
  if (gateway.config.logBodies) exchange.requestBody = body;
  const basics = checkResponsesBasics(body, gateway.config);
  resolveModel(gateway, exchange, basics.model, 'responses', basics.stream);
  if (gateway.service.supportsNative(basics.model, 'openai-responses', owner.projectId)) {
    const row = gateway.service.resolve(basics.model).model;
    checkNativeLimits(body, row);
    const ruled = ruledResponsesBody(body, row);
    // Handed back, not awaited: this function's frame (the client's body) ends here, not with the stream.
    return nativeResponses(gateway, exchange, response, ruled, { ...basics, row, context: callContext(exchange, owner) });
  }
  const parsed = parseResponsesRequest(body, gateway.config);
  const { model, provider } = gateway.service.resolve(parsed.model, owner.projectId);
  const native = routeGuardedFields(parsed.nativeFields, { from: 'openai', servingFamily: provider.provider.family, model, changesAnswer: () => false });
  if (native !== undefined) parsed.request.native = native;
  // Handed back, not awaited: this function's frame (the body, the parsed request) ends here, not with the stream.
  const answering = parsed.stream ? streamResponse(gateway, exchange, response, parsed, callContext(exchange, owner)) : completeResponse(gateway, exchange, response, parsed, callContext(exchange, owner));
  return answering.catch(rethrowInResponsesTerms);
}

function rethrowInResponsesTerms(error: unknown): never {
  throw inResponsesTerms(error);
}

async function completeResponse(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  parsed: ParsedResponsesRequest,
  context: CallContext,
): Promise<void> {
  // Encoded by the service before the ledger row is recorded, so that an answer it refuses (a tool
  // turn with cut arguments, a vendor's JSON nested too deeply) is the provider's 502 in the row too.
  const { echo } = parsed;
  context.encodeAnswer = (answer, _model, provider) => JSON.stringify(encodeResponse(answer, echo, provider));
  const result = await gateway.service.chat(parsed.request, context);
  const usage = result.response.usage;
  exchange.upstreamMs = result.route.upstreamMs;
  exchange.inputTokens = usage.inputTokens;
  exchange.outputTokens = usage.outputTokens;
  if (gateway.config.logBodies) exchange.responseText = result.response.choices[0]?.content ?? undefined;
  const text = result.encoded ?? JSON.stringify(encodeResponse(result.response, echo, result.route.provider.name));
  sendBody(gateway, exchange, response, 200, text);
}

async function streamResponse(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  parsed: ParsedResponsesRequest,
  context: CallContext,
): Promise<void> {
  const outcome = await gateway.service.stream(parsed.request, context);
  const { provider } = outcome.route;
  const encoder = new ResponsesEventEncoder(parsed.echo, provider.provider?.family, gateway.config.logBodies, provider.name, gateway.config.upstreamMaxResponseBytes);
  exchange.upstreamMs = outcome.route.upstreamMs;
  return pumpSse(gateway, exchange, response, outcome.parts, {
    encode: (part: StreamPart) => {
      if (part.type === 'error') throw part.error;
      if (part.type === 'finish') {
        exchange.inputTokens = part.usage.inputTokens;
        exchange.outputTokens = part.usage.outputTokens;
      }
      return encoder.encode(part);
    },
    fail: (error) => encoder.fail(error),
    over() {
      if (encoder.text !== undefined) exchange.responseText = encoder.text;
    },
  });
}

/** Chat-completions field names in the service's checks → their Responses names. */
const responsesNames: Readonly<Record<string, string>> = {
  max_tokens: 'max_output_tokens',
  response_format: 'text.format',
  messages: 'input',
};

/** The service's request errors name chat-completions fields; this names the Responses ones. */
function inResponsesTerms(error: unknown): unknown {
  if (!(error instanceof SwitchboardError) || error.param === null) return error;
  const name = responsesNames[error.param];
  if (name === undefined || error.constructor !== SwitchboardError) return error;
  return new SwitchboardError(error.code, error.message.replace(error.param, name), { param: name, status: error.status, cause: error });
}
