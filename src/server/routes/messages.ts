/**
 * `POST /v1/messages` and `POST /v1/messages/count_tokens`: Anthropic's Messages API, served by
 * any model of the registry. An Anthropic model gets the client's body unchanged (the native
 * call) but for what the row's `native_fields` rules hold back (`native-body.ts`, the same rules
 * as chat completions); any other model gets the normalized request, and its answer is encoded
 * back. Every error answers in Anthropic's shape.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProviderError, SwitchboardError } from '../../errors.js';
import type { ChatResponse, ProviderFamily } from '../../providers/spec/index.js';
import type { CallContext } from '../../service/ai-service.js';
import type { Exchange } from '../exchange.js';
import type { GatewayContext } from '../gateway-context.js';
import { encodeMessage } from '../messages/encode-message.js';
import { estimateInputTokens } from '../messages/estimate-input-tokens.js';
import { forwardedHeaders, serveNativeMessage } from '../messages/native-messages.js';
import { parseMessagesRequest, type ParsedMessagesRequest } from '../messages/parse-messages-request.js';
import { sendAnthropicError } from '../messages/send-anthropic-error.js';
import { streamMessage } from '../messages/stream-message.js';
import { routeGuardedFields } from '../native-field-defaults.js';
import { ruledMessagesBody } from '../native-body.js';
import { readJsonRequest } from '../read-body.js';
import { sendBody } from '../send.js';
import { beginV1Request, callContext, resolveModel, takeKeySlot } from './v1-request.js';

export const MESSAGES_PATH = '/v1/messages';
export const COUNT_TOKENS_PATH = '/v1/messages/count_tokens';

/** Messages fields that Anthropic's count endpoint refuses and that do not change the input count. */
const NOT_COUNTED = new Set(['max_tokens', 'stream', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'metadata', 'service_tier']);

/**
 * Top-level Messages fields whose loss does not change what the answer says (dropped for other
 * vendors): service and placement choices, prompt caching, speed, diagnostics, and Anthropic's
 * server-side context editing (`context_management`, which Claude Code sends: without it the other
 * vendor's model sees the whole conversation, as the client sent it).
 */
const DROPPABLE = new Set([
  'service_tier', 'inference_geo', 'cache_control', 'speed', 'diagnostics', 'workspace_id', 'user_profile_id', 'context_management',
]);

/** Dispatches a Messages route (or any path under it); never throws (errors answer in Anthropic's shape). */
export async function messagesRoute(
  gateway: GatewayContext,
  exchange: Exchange,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
): Promise<void> {
  const known = path === MESSAGES_PATH || path === COUNT_TOKENS_PATH;
  // Unknown paths stay `unmatched` (a bounded metrics label).
  if (known) exchange.route = path;
  try {
    if (!known) throw new SwitchboardError('not_found', `Unknown route: ${exchange.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`);
    if (exchange.method !== 'POST') {
      const error = new SwitchboardError('invalid_request', `Method ${exchange.method} is not allowed on ${path}; use POST.`, { status: 405 });
      sendAnthropicError(gateway, exchange, response, error, ['allow', 'POST']);
      return;
    }
    if (path === COUNT_TOKENS_PATH) await countTokens(gateway, exchange, request, response);
    else await createMessage(gateway, exchange, request, response);
  } catch (error) {
    sendAnthropicError(gateway, exchange, response, error);
  }
}

async function readRequest(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage, countTokens: boolean) {
  const owner = beginV1Request(gateway, exchange, request);
  takeKeySlot(gateway, exchange, owner);
  const { body, raw } = await readJsonRequest(request, gateway.config.bodyLimitBytes, gateway.config, gateway.bodyBudget, owner.keyId);
  exchange.rawJson = raw;
  if (gateway.config.logBodies) exchange.requestBody = body;
  const parsed = parseMessagesRequest(body, countTokens, gateway.config);
  resolveModel(gateway, exchange, parsed.model, countTokens ? undefined : 'messages', parsed.stream);
  const context: CallContext = callContext(exchange, owner);
  return { body, parsed, context };
}

async function createMessage(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { body, parsed, context } = await readRequest(gateway, exchange, request, false);
  if (gateway.service.supportsNative(parsed.model, 'anthropic-messages', exchange.owner?.projectId)) {
    checkMaxTokens(gateway, parsed);
    const { model } = gateway.service.resolve(parsed.model, exchange.owner?.projectId);
    const upstream = ruledMessagesBody(body, parsed.extras, model);
    const options = { model: parsed.model, stream: parsed.stream, headers: forwardedHeaders(request.headers, model), context };
    return serveNativeMessage(gateway, exchange, response, upstream, options);
  }
  servedRequest(gateway, parsed, exchange.owner?.projectId);
  // Handed back, not awaited: this function's frame (the body, the parsed request) ends here.
  if (parsed.stream) return streamMessage(gateway, exchange, response, parsed.chat, context);
  // Encoded by the service before the ledger row is recorded, so that an answer it refuses (a
  // finish in error, a tool turn with cut arguments) is the provider's 502 in the row too.
  context.encodeAnswer = messageText;
  const result = await gateway.service.chat(parsed.chat, context);
  const usage = result.response.usage;
  exchange.upstreamMs = result.route.upstreamMs;
  exchange.inputTokens = usage.inputTokens;
  exchange.outputTokens = usage.outputTokens;
  if (gateway.config.logBodies) exchange.responseText = result.response.choices[0]?.content ?? undefined;
  const { provider } = result.route;
  const text = result.encoded ?? messageText(result.response, parsed.model, provider.name, provider.provider?.family);
  sendBody(gateway, exchange, response, 200, text, 'application/json', ['request-id', exchange.requestId]);
}

function messageText(answer: ChatResponse, model: string, provider: string, family: ProviderFamily | undefined): string {
  return JSON.stringify(encodeMessage(answer, model, provider, family));
}

/**
 * `{input_tokens}`: Anthropic's own count when an Anthropic model serves the body (sent unchanged
 * but for the output settings in `NOT_COUNTED`, which the count endpoint refuses, and what the
 * row's rules hold back, as on `/v1/messages`), else the documented estimate.
 */
async function countTokens(gateway: GatewayContext, exchange: Exchange, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { body, parsed, context } = await readRequest(gateway, exchange, request, true);
  // Counting is free (no tokens, no budget, no ledger row) but it is a request: access and requests-per-minute apply.
  await gateway.service.admitRequestOnly(parsed.model, context);
  let inputTokens: number;
  if (gateway.service.supportsNative(parsed.model, 'anthropic-count-tokens', exchange.owner?.projectId)) {
    const { model } = gateway.service.resolve(parsed.model, exchange.owner?.projectId);
    const ruled = ruledMessagesBody(body, parsed.extras, model);
    const countBody = Object.fromEntries(Object.entries(ruled).filter(([field]) => !NOT_COUNTED.has(field)));
    const headers = forwardedHeaders(request.headers, model);
    const call = { api: 'anthropic-count-tokens' as const, body: countBody, stream: false, ...(headers ? { headers } : {}) };
    const counted = await vendorCount(gateway, exchange, call, context);
    inputTokens = counted ?? (await estimateInputTokens(body));
  } else {
    inputTokens = await estimateInputTokens(body);
  }
  exchange.inputTokens = inputTokens;
  sendBody(gateway, exchange, response, 200, JSON.stringify({ input_tokens: inputTokens }), 'application/json', ['request-id', exchange.requestId]);
}

/**
 * The vendor's count, or undefined when its server has no count endpoint: Anthropic-compatible
 * servers that are not Anthropic often answer `count_tokens` with 404 (or 405 / 501), and the
 * documented estimate serves then. Any other failure is the client's error.
 */
async function vendorCount(
  gateway: GatewayContext,
  exchange: Exchange,
  call: Parameters<GatewayContext['service']['native']>[0],
  context: CallContext,
): Promise<number | undefined> {
  try {
    const { answer, route } = await gateway.service.native(call, context);
    exchange.upstreamMs = route.upstreamMs;
    const counted = answer.type === 'json' ? answer.body['input_tokens'] : undefined;
    if (typeof counted !== 'number') {
      throw new SwitchboardError('provider_error', `The provider '${route.provider.name}' answered count_tokens without input_tokens.`);
    }
    return counted;
  } catch (error) {
    if (error instanceof ProviderError && error.upstreamStatus !== undefined && NO_COUNT_ENDPOINT.has(error.upstreamStatus) && !unknownModel(error)) return undefined;
    throw error;
  }
}

/** Upstream statuses that mean "this server has no count_tokens endpoint". */
const NO_COUNT_ENDPOINT = new Set([404, 405, 501]);

/**
 * Anthropic's own 404 for a model it does not know (`not_found_error`, "model: <id>"): the row's
 * `model_id` is wrong, which the client is told, not covered by an estimate.
 */
function unknownModel(error: ProviderError): boolean {
  return error.upstreamStatus === 404 && error.upstreamCode === 'not_found_error' && /\bmodel: /.test(error.message);
}

/** The model row's output limit applies to native calls too (the normalized path checks it in the service). */
function checkMaxTokens(gateway: GatewayContext, parsed: ParsedMessagesRequest): void {
  const { model } = gateway.service.resolve(parsed.model);
  const maxTokens = parsed.chat.maxTokens;
  if (maxTokens !== undefined && model.maxTokens !== undefined && maxTokens > model.maxTokens) {
    throw new SwitchboardError(
      'invalid_request',
      `max_tokens is too large: ${maxTokens}. The model '${model.name}' allows at most ${model.maxTokens} output tokens.`,
      { param: 'max_tokens' },
    );
  }
}

/**
 * Readies the normalized request for a model of another vendor: what only Anthropic can serve is
 * refused (400 naming it), and unknown top-level fields follow the native-fields rule (dropped when
 * harmless, like `service_tier`; refused otherwise; a model row may override per field).
 */
function servedRequest(gateway: GatewayContext, parsed: ParsedMessagesRequest, projectId: string | undefined): void {
  if (parsed.deferred.error !== undefined) throw parsed.deferred.error;
  const { model, provider } = gateway.service.resolve(parsed.model, projectId);
  const thread = parsed.extras['thread'];
  if (thread !== undefined && thread !== null) {
    throw new SwitchboardError(
      'unsupported_feature',
      `thread (a conversation the server holds) is not supported by the model '${model.name}': Switchboard keeps no conversations; send the whole history without thread.`,
      { param: 'thread' },
    );
  }
  const native = routeGuardedFields(parsed.extras, {
    from: 'anthropic',
    servingFamily: provider.provider.family,
    model,
    changesAnswer: (field) => !DROPPABLE.has(field),
  });
  if (native !== undefined) parsed.chat.native = native;
}
