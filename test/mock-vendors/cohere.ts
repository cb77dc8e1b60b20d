/**
 * Strict Cohere API v2 fake (`POST /v2/chat`, `POST /v2/embed`), following the common mock contract
 * in README.md. Wire format: https://docs.cohere.com/reference/chat and /reference/embed.
 *
 * In-stream failure (`failNextStream`): Cohere's stream has no error event; a failed generation ends
 * with `message-end` whose delta is `{finish_reason: "ERROR", error: "<text>"}` (the `error` field
 * of ChatMessageEndEventDelta in Cohere's OpenAPI spec), followed by `data: [DONE]` as usual.
 *
 * Usage: `cached_tokens` is 3 when a system text says `cache`, and n when it says `cached_tokens=<n>`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, startMockServer, type MockServer, type RecordedRequest } from '../helpers/mock-server.js';

export interface CohereMockOptions {
  /** Accepted bearer keys (default `['test-key']`). */
  apiKeys?: string[];
  /** Pause between stream frames. */
  streamDelayMs?: number;
}

export interface CohereMock extends MockServer {
  /** `<origin>/v2`: what goes into `ai_providers.api_base_url`. */
  baseUrl: string;
  /** The next request gets this status; `body` defaults to Cohere's error JSON (a string is sent raw). */
  failNext(failure: { status: number; body?: unknown; headers?: Record<string, string> }): void;
  /**
   * The next embed call whose `texts` hold `text` gets this answer instead (whatever order
   * concurrent batches arrive in); a 200 `body` is sent as written.
   */
  failNextFor(text: string, failure: { status: number; body?: unknown; headers?: Record<string, string> }): void;
  /** The next stream sends `afterChunks` content deltas, then ends with finish_reason ERROR. */
  failNextStream(options: { afterChunks: number }): void;
  /** The next stream sends `afterChunks` content deltas, then never ends. */
  hangNextStream(options: { afterChunks: number }): void;
}

type Body = Record<string, unknown>;
interface Problem {
  status: number;
  message: string;
}

const chatFields = new Set([
  'model', 'messages', 'stream', 'tools', 'tool_choice', 'max_tokens', 'stop_sequences', 'temperature', 'seed',
  'frequency_penalty', 'presence_penalty', 'k', 'p', 'response_format', 'safety_mode', 'documents',
  'citation_options', 'strict_tools', 'logprobs', 'thinking', 'priority',
]);
const embedFields = new Set(['model', 'texts', 'images', 'inputs', 'input_type', 'embedding_types', 'output_dimension', 'truncate', 'max_tokens']);
const messageFields: Record<string, Set<string>> = {
  system: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_plan', 'tool_calls', 'citations']),
  tool: new Set(['role', 'tool_call_id', 'content']),
};
const inputTypes = new Set(['search_document', 'search_query', 'classification', 'clustering', 'image']);
const defaultMessages: Record<number, string> = {
  400: 'invalid request: the request could not be processed.',
  401: 'invalid api token',
  402: 'Please add a payment method to continue.',
  404: 'model not found',
  429: 'You are past the per minute request limit, please wait before making more requests.',
  499: 'request cancelled',
  500: 'internal server error, this has been reported to our developers',
  503: 'service unavailable',
};

/** Starts the fake on 127.0.0.1. */
export async function startCohereMock(options: CohereMockOptions = {}): Promise<CohereMock> {
  const apiKeys = options.apiKeys ?? ['test-key'];
  const failures: { status: number; body?: unknown; headers?: Record<string, string> }[] = [];
  const failuresFor = new Map<string, { status: number; body?: unknown; headers?: Record<string, string> }>();
  let streamFault: { kind: 'fail' | 'hang'; afterChunks: number } | undefined;

  const server = await startMockServer(async (request, response) => {
    const path = request.url.split('?')[0];
    const route = request.method !== 'POST' ? undefined : path === '/v2/chat' ? 'chat' : path === '/v2/embed' ? 'embed' : undefined;
    if (route === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('404 page not found');
      return;
    }
    const texts = route === 'embed' && isRecord(request.body) && Array.isArray(request.body['texts']) ? (request.body['texts'] as unknown[]) : [];
    const marked = texts.find((text): text is string => typeof text === 'string' && failuresFor.has(text));
    const failure = marked === undefined ? failures.shift() : failuresFor.get(marked);
    if (marked !== undefined) failuresFor.delete(marked);
    if (failure) {
      if (typeof failure.body === 'string') {
        response.writeHead(failure.status, { 'content-type': 'text/plain', ...failure.headers });
        response.end(failure.body);
      } else {
        const body = failure.body ?? { id: randomUUID(), message: defaultMessages[failure.status] ?? 'error' };
        sendJson(response, failure.status, body, failure.headers);
      }
      return;
    }
    const problem = checkAuth(request, apiKeys) ?? (route === 'chat' ? validateChat(request.body) : validateEmbed(request.body));
    if (problem) return sendJson(response, problem.status, { id: randomUUID(), message: problem.message });
    const body = request.body as Body;
    if (route === 'embed') return sendJson(response, 200, embed(body));
    if (body['stream'] !== true) return sendJson(response, 200, chatResponse(body));
    const fault = streamFault;
    streamFault = undefined;
    await streamChat(response, body, fault, options.streamDelayMs);
  });

  return {
    ...server,
    baseUrl: `${server.origin}/v2`,
    failNext: (failure) => void failures.push(failure),
    failNextFor: (text, failure) => void failuresFor.set(text, failure),
    failNextStream: ({ afterChunks }) => void (streamFault = { kind: 'fail', afterChunks }),
    hangNextStream: ({ afterChunks }) => void (streamFault = { kind: 'hang', afterChunks }),
  };
}

function checkAuth(request: RecordedRequest, apiKeys: string[]): Problem | undefined {
  const header = request.headers.authorization;
  if (!header) return { status: 401, message: 'no api key supplied' };
  const match = /^bearer\s+(.+)$/i.exec(header);
  if (!match?.[1] || !apiKeys.includes(match[1].trim())) return { status: 401, message: 'invalid api token' };
  return undefined;
}

const bad = (message: string): Problem => ({ status: 400, message });
const unknownField = (name: string): Problem => ({
  status: 422,
  message: `unknown field: parameter '${name}' is not a valid field. For proper usage, please refer to https://docs.cohere.com/reference/chat`,
});
const isRecord = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);
const extraKey = (value: Body, allowed: Set<string>): string | undefined => Object.keys(value).find((key) => !allowed.has(key));

function validateChat(body: unknown): Problem | undefined {
  if (!isRecord(body)) return bad('invalid request: body must be a JSON object.');
  const extra = extraKey(body, chatFields);
  if (extra) return unknownField(extra);
  if (typeof body['model'] !== 'string' || body['model'] === '') return bad('a model parameter is required for this endpoint.');
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return bad('invalid request: messages must not be empty.');
  const toolCallIds = new Set<string>();
  for (const message of messages) {
    const problem = validateMessage(message, toolCallIds);
    if (problem) return problem;
  }
  const tools = body['tools'];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return bad('invalid request: tools must be a list.');
    for (const tool of tools) {
      if (!isRecord(tool) || tool['type'] !== 'function' || !isRecord(tool['function'])) return bad('invalid request: tools must be of type function.');
      const extraTool = extraKey(tool, new Set(['type', 'function'])) ?? extraKey(tool['function'], new Set(['name', 'description', 'parameters']));
      if (extraTool) return unknownField(extraTool);
      if (typeof tool['function']['name'] !== 'string') return bad('invalid request: tool name is required.');
    }
  }
  const toolChoice = body['tool_choice'];
  if (toolChoice !== undefined && toolChoice !== 'REQUIRED' && toolChoice !== 'NONE') return bad('invalid request: tool_choice must be one of REQUIRED, NONE.');
  for (const key of ['temperature', 'p', 'frequency_penalty', 'presence_penalty']) {
    if (body[key] !== undefined && typeof body[key] !== 'number') return bad(`invalid request: ${key} must be a number.`);
  }
  const p = body['p'];
  if (typeof p === 'number' && (p < 0.01 || p > 0.99)) return bad('invalid request: p must be between 0.01 and 0.99.');
  for (const key of ['max_tokens', 'seed']) {
    if (body[key] !== undefined && !Number.isInteger(body[key])) return bad(`invalid request: ${key} must be an integer.`);
  }
  if (body['stream'] !== undefined && typeof body['stream'] !== 'boolean') return bad('invalid request: stream must be a boolean.');
  const stops = body['stop_sequences'];
  if (stops !== undefined && (!Array.isArray(stops) || stops.length > 5 || stops.some((stop) => typeof stop !== 'string'))) {
    return bad('invalid request: stop_sequences must be a list of at most 5 strings.');
  }
  const format = body['response_format'];
  if (format !== undefined) {
    if (!isRecord(format) || (format['type'] !== 'text' && format['type'] !== 'json_object')) return bad('invalid request: response_format type must be text or json_object.');
    const extraFormat = extraKey(format, new Set(['type', 'json_schema']));
    if (extraFormat) return unknownField(extraFormat);
  }
  return undefined;
}

function validateMessage(message: unknown, toolCallIds: Set<string>): Problem | undefined {
  if (!isRecord(message)) return bad('invalid request: messages must be objects.');
  const role = message['role'];
  const allowed = typeof role === 'string' ? messageFields[role] : undefined;
  if (!allowed) return bad(`invalid request: role must be one of system, user, assistant, tool; received '${String(role)}'.`);
  const extra = extraKey(message, allowed);
  if (extra) return unknownField(extra);
  const content = message['content'];
  if (role === 'assistant') {
    const calls = message['tool_calls'];
    if (calls !== undefined) {
      if (!Array.isArray(calls)) return bad('invalid request: tool_calls must be a list.');
      for (const call of calls) {
        const fn = isRecord(call) ? call['function'] : undefined;
        if (!isRecord(call) || typeof call['id'] !== 'string' || call['type'] !== 'function' || !isRecord(fn) || typeof fn['name'] !== 'string' || typeof fn['arguments'] !== 'string') {
          return bad('invalid request: tool calls need an id, type function, and a function with a name and JSON string arguments.');
        }
        toolCallIds.add(call['id']);
      }
    }
    if (textOf(content) === '' && !(Array.isArray(calls) && calls.length > 0)) return bad('message must not be empty in a turn');
    return undefined;
  }
  if (role === 'tool') {
    if (typeof message['tool_call_id'] !== 'string' || !toolCallIds.has(message['tool_call_id'])) return bad('tool call id not found in previous tool calls');
    // ToolMessageV2.content: a string, or text and document blocks (no images).
    if (Array.isArray(content) && !content.every((part) => isRecord(part) && (part['type'] === 'text' || part['type'] === 'document'))) {
      return bad('invalid request: unsupported content part in a tool message.');
    }
    return undefined;
  }
  if (Array.isArray(content)) {
    for (const part of content) {
      const okText = isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string';
      const okImage = role === 'user' && isRecord(part) && part['type'] === 'image_url' && isRecord(part['image_url']) && typeof part['image_url']['url'] === 'string';
      if (!okText && !okImage) return bad(`invalid request: unsupported content part in a ${role} message.`);
    }
  } else if (typeof content !== 'string') {
    return bad('invalid request: content must be a string or a list of content parts.');
  }
  if (textOf(content) === '' && !(Array.isArray(content) && content.length > 0)) return bad('message must not be empty in a turn');
  return undefined;
}

function validateEmbed(body: unknown): Problem | undefined {
  if (!isRecord(body)) return bad('invalid request: body must be a JSON object.');
  const extra = extraKey(body, embedFields);
  if (extra) return { ...unknownField(extra), message: unknownField(extra).message.replace('/chat', '/embed') };
  if (typeof body['model'] !== 'string' || body['model'] === '') return bad('a model parameter is required for this endpoint.');
  if (typeof body['input_type'] !== 'string' || !inputTypes.has(body['input_type'])) {
    return bad('invalid request: valid input_type must be provided with the provided model');
  }
  const texts = body['texts'];
  if (!Array.isArray(texts) || texts.length < 1 || texts.length > 96 || texts.some((text) => typeof text !== 'string')) {
    return bad('invalid request: texts must be a list of between 1 and 96 strings.');
  }
  const types = body['embedding_types'];
  if (types !== undefined && (!Array.isArray(types) || !types.every((type) => type === 'float'))) {
    return bad('invalid request: this mock supports embedding_types ["float"] only.');
  }
  const dimension = body['output_dimension'];
  if (dimension !== undefined && (!Number.isInteger(dimension) || (dimension as number) <= 0)) return bad('invalid request: output_dimension must be a positive integer.');
  return undefined;
}

/** Text of a string or a list of parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : '')).join(' ').trim();
}

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;

interface Answer {
  text?: string;
  toolCall?: { id: string; name: string; arguments: string };
  finishReason: 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL';
  usage: { billed_units: Tokens; tokens: Tokens; cached_tokens: number };
}
interface Tokens {
  input_tokens: number;
  output_tokens: number;
}

function answer(body: Body): Answer {
  const messages = body['messages'] as Body[];
  const last = messages[messages.length - 1] as Body;
  const lastUser = [...messages].reverse().find((message) => message['role'] === 'user');
  const userText = textOf(lastUser?.['content']);
  const inputTokens = messages.reduce((sum, message) => sum + words(textOf(message['content'])), 0);
  const systemText = messages.filter((message) => message['role'] === 'system').map((message) => textOf(message['content'])).join(' ');
  // `cached_tokens=<n>` in a system text reports n as is (a broken or hostile upstream's count).
  const forced = /cached_tokens=(\S+)/.exec(systemText)?.[1];
  const cached = forced !== undefined ? Number(forced) : systemText.includes('cache') ? 3 : 0;
  const usage = (output: number): Answer['usage'] => {
    const tokens = { input_tokens: inputTokens, output_tokens: output };
    return { billed_units: { ...tokens }, tokens, cached_tokens: cached };
  };
  const tools = body['tools'] as { function: { name: string } }[] | undefined;
  const firstTool = tools?.[0];
  if (firstTool && last['role'] === 'user' && body['tool_choice'] !== 'NONE') {
    const args = JSON.stringify({ query: userText });
    const name = firstTool.function.name;
    return { toolCall: { id: `${name}_${randomUUID().slice(0, 8)}`, name, arguments: args }, finishReason: 'TOOL_CALL', usage: usage(words(args)) };
  }
  let text = `Echo: ${last['role'] === 'tool' ? textOf(last['content']) : userText}`;
  if (last['role'] === 'user' && Array.isArray(last['content'])) {
    for (const part of last['content'] as Body[]) {
      if (part['type'] !== 'image_url') continue;
      const url = String((part['image_url'] as Body)['url']);
      text += ` [image:${/^data:([^;,]+)/.exec(url)?.[1] ?? url}]`;
    }
  }
  let finishReason: Answer['finishReason'] = 'COMPLETE';
  const stops = (body['stop_sequences'] as string[] | undefined) ?? [];
  const cut = Math.min(...stops.map((stop) => text.indexOf(stop)).filter((index) => index >= 0));
  if (Number.isFinite(cut)) {
    text = text.slice(0, cut);
    finishReason = 'STOP_SEQUENCE';
  }
  const maxTokens = body['max_tokens'];
  if (typeof maxTokens === 'number' && words(text) > maxTokens) {
    text = text.split(' ').filter(Boolean).slice(0, maxTokens).join(' ');
    finishReason = 'MAX_TOKENS';
  }
  return { text, finishReason, usage: usage(words(text)) };
}

const toolPlan = (name: string): string => `I will use the ${name} tool.`;

function chatResponse(body: Body): unknown {
  const result = answer(body);
  const message = result.toolCall
    ? {
        role: 'assistant',
        tool_plan: toolPlan(result.toolCall.name),
        tool_calls: [{ id: result.toolCall.id, type: 'function', function: { name: result.toolCall.name, arguments: result.toolCall.arguments } }],
      }
    : { role: 'assistant', content: [{ type: 'text', text: result.text ?? '' }] };
  return { id: randomUUID(), message, finish_reason: result.finishReason, usage: result.usage };
}

async function streamChat(
  response: ServerResponse,
  body: Body,
  fault: { kind: 'fail' | 'hang'; afterChunks: number } | undefined,
  delayMs: number | undefined,
): Promise<void> {
  const result = answer(body);
  const frame = (data: Body): string => `event: ${String(data['type'])}\ndata: ${JSON.stringify(data)}\n\n`;
  const frames = [
    frame({ id: randomUUID(), type: 'message-start', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } }),
  ];
  // Delta frames (content or tool-call arguments) are the "chunks" a fault counts.
  const deltas: string[] = [];
  const call = result.toolCall;
  if (call) {
    for (const piece of toolPlan(call.name).split(/(?= )/)) frames.push(frame({ type: 'tool-plan-delta', delta: { message: { tool_plan: piece } } }));
    frames.push(frame({ type: 'tool-call-start', index: 0, delta: { message: { tool_calls: { id: call.id, type: 'function', function: { name: call.name, arguments: '' } } } } }));
    for (let offset = 0; offset < call.arguments.length; offset += 7) {
      const piece = call.arguments.slice(offset, offset + 7);
      deltas.push(frame({ type: 'tool-call-delta', index: 0, delta: { message: { tool_calls: { function: { arguments: piece } } } } }));
    }
  } else {
    frames.push(frame({ type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }));
    for (const piece of (result.text ?? '').split(/(?= )/).filter(Boolean)) {
      deltas.push(frame({ type: 'content-delta', index: 0, delta: { message: { content: { text: piece } } } }));
    }
  }
  frames.push(...(fault ? deltas.slice(0, fault.afterChunks) : deltas));
  if (fault?.kind === 'hang') {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const item of frames) response.write(item);
    return; // never ends; the client's abort or mock.close() drops the connection
  }
  if (!fault) frames.push(frame({ type: call ? 'tool-call-end' : 'content-end', index: 0 }));
  const delta = fault
    ? { error: 'internal server error, this has been reported to our developers', finish_reason: 'ERROR', usage: result.usage }
    : { finish_reason: result.finishReason, usage: result.usage };
  frames.push(frame({ type: 'message-end', delta }), 'data: [DONE]\n\n');
  await sendSse(response, frames, delayMs === undefined ? {} : { delayMs });
}

function embed(body: Body): unknown {
  const texts = body['texts'] as string[];
  const dimensions = (body['output_dimension'] as number | undefined) ?? 8;
  const float = texts.map((text) => {
    let sum = 0;
    for (let index = 0; index < text.length; index++) sum += text.charCodeAt(index);
    return Array.from({ length: dimensions }, (_, index) => ((sum + index) % 100) / 100);
  });
  return {
    id: randomUUID(),
    embeddings: { float },
    texts,
    meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.reduce((sum, text) => sum + words(text), 0) } },
    response_type: 'embeddings_by_type',
  };
}
