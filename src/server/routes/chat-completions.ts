import type { IncomingMessage, ServerResponse } from 'node:http';
import { upstreamFailure } from '../../providers/shared/upstream-limits.js';
import type { ChatResponse } from '../../providers/spec/index.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { chatNativeFields } from '../chat-native-fields.js';
import { parseChatRequest } from '../parse-chat-request.js';
import { readJsonRequest } from '../read-body.js';
import { sendBody } from '../send.js';
import { writeChatCompletion } from '../write-chat-completion.js';
import { beginV1Request, callContext, resolveModel, takeKeySlot } from './v1-request.js';
import { streamChatCompletion } from './stream-chat-completion.js';

/** `POST /v1/chat/completions`, non-streaming or (`stream: true`) as Server-Sent Events. */
export async function chatCompletions(
  gateway: GatewayContext,
  exchange: Exchange,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const owner = beginV1Request(gateway, exchange, request);
  takeKeySlot(gateway, exchange, owner);
  const { body, raw } = await readJsonRequest(request, gateway.config.bodyLimitBytes, gateway.config, gateway.bodyBudget, owner.keyId);
  exchange.rawJson = raw;
  if (gateway.config.logBodies) exchange.requestBody = body;
  const parsed = parseChatRequest(body, gateway.config);
  const model = parsed.request.model;
  resolveModel(gateway, exchange, model, 'chat', parsed.stream);
  const resolved = gateway.service.resolve(model, owner.projectId);
  const native = chatNativeFields(parsed.nativeFields, resolved.model, resolved.provider.provider.family);
  if (native !== undefined) parsed.request.native = native;
  // Handed back, not awaited: this function's frame (the body, the parsed request) ends here.
  if (parsed.stream) return streamChatCompletion(gateway, exchange, response, parsed, owner);
  const context = callContext(exchange, owner);
  // Encoded by the service before the ledger row is recorded, so that a failure to encode is in the row.
  context.encodeAnswer = answerText;
  const result = await gateway.service.chat(parsed.request, context);
  const usage = result.response.usage;
  exchange.upstreamMs = result.route.upstreamMs;
  exchange.inputTokens = usage.inputTokens;
  exchange.outputTokens = usage.outputTokens;
  if (gateway.config.logBodies) exchange.responseText = result.response.choices[0]?.content ?? undefined;
  sendBody(gateway, exchange, response, 200, result.encoded ?? answerText(result.response, model, result.route.provider.name));
}

/**
 * The answer's JSON text. It carries the vendor's `logprobs` and native fields as they came, so a
 * stack overflow encoding it is the vendor's JSON nested too deeply: the provider's 502.
 */
function answerText(answer: ChatResponse, model: string, provider: string): string {
  try {
    return writeChatCompletion(answer, model);
  } catch (error) {
    throw upstreamFailure(provider, error);
  }
}
