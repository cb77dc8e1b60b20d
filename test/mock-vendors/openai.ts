/**
 * A strict OpenAI fake (chat completions, embeddings, models) following the common mock contract
 * in README.md. It validates requests the way api.openai.com does and answers in its real wire
 * format, so converter bugs surface as the same 400s the real API would send.
 *
 * Options beyond the contract, for OpenAI-compatible servers behind a CustomProvider:
 * - `authHeaderName` / `authHeaderPrefix`: e.g. `api-key` with prefix `''` (Azure);
 * - `apiKeys: []` turns auth off (a local server that takes no key);
 * - `pathPrefix` (default `/v1`); `requireQuery`: query params every call must carry, else 404.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, startMockServer, type RecordedRequest } from '../helpers/mock-server.js';

export interface OpenAIMockOptions {
  /** Accepted keys; default `['test-key']`; an empty list accepts calls without any key. */
  apiKeys?: string[];
  /** Default `Authorization`. */
  authHeaderName?: string;
  /** Default `Bearer`; `''` expects the bare key. */
  authHeaderPrefix?: string;
  /** Default `/v1`. */
  pathPrefix?: string;
  /** Query params every call must carry (Azure's `api-version`); a call without them gets 404. */
  requireQuery?: Record<string, string>;
}

export interface MockFailure {
  status: number;
  /** The error JSON; a string is sent as-is (a non-JSON body, also with status 200). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface OpenAIMock {
  /** What goes into `api_base_url`: origin + path prefix. */
  baseUrl: string;
  origin: string;
  requests: RecordedRequest[];
  failNext(failure: MockFailure): void;
  failNextStream(options: { afterChunks: number }): void;
  hangNextStream(options: { afterChunks: number }): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

class OpenAIError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type: string = 'invalid_request_error',
  ) {
    super(message);
  }
  body(): Json {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const invalid = (message: string, param: string | null = null, code: string | null = null): never => {
  throw new OpenAIError(400, message, param, code);
};

const chatFields = new Set(
  'model messages audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens max_tokens metadata modalities n parallel_tool_calls prediction presence_penalty prompt_cache_key reasoning_effort response_format safety_identifier seed service_tier stop store stream stream_options temperature tool_choice tools top_logprobs top_p user verbosity web_search_options'.split(' '),
);
const messageFields: Record<string, Set<string>> = {
  system: new Set(['role', 'content', 'name']),
  developer: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  assistant: new Set(['role', 'content', 'name', 'tool_calls', 'refusal', 'audio', 'function_call']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};
const created = 1_767_225_600;

/** Starts the fake on 127.0.0.1. */
export async function startOpenAIMock(options: OpenAIMockOptions = {}): Promise<OpenAIMock> {
  const apiKeys = options.apiKeys ?? ['test-key'];
  const prefix = options.pathPrefix ?? '/v1';
  const authHeader = (options.authHeaderName ?? 'Authorization').toLowerCase();
  const authPrefix = options.authHeaderPrefix ?? 'Bearer';
  let nextFailure: MockFailure | undefined;
  let nextStream: { mode: 'fail' | 'hang'; afterChunks: number } | undefined;
  let counter = 0;

  const server = await startMockServer(async (request, response) => {
    const url = new URL(request.url, 'http://mock');
    for (const [name, value] of Object.entries(options.requireQuery ?? {})) {
      if (url.searchParams.get(name) !== value) {
        return sendJson(response, 404, { error: { code: '404', message: 'Resource not found' } });
      }
    }
    const route = `${request.method} ${url.pathname}`;
    const routes = [`POST ${prefix}/chat/completions`, `POST ${prefix}/embeddings`, `GET ${prefix}/models`];
    try {
      if (!routes.includes(route)) throw new OpenAIError(404, `Invalid URL (${request.method} ${url.pathname})`);
      if (apiKeys.length > 0) checkAuth(request.headers[authHeader]);
      if (nextFailure) {
        const failure = nextFailure;
        nextFailure = undefined;
        return sendFailure(response, failure);
      }
      counter += 1;
      if (route.endsWith('/models')) return sendJson(response, 200, modelList());
      if (route.endsWith('/embeddings')) return sendJson(response, 200, embeddings(request.body));
      const body = validateChat(request.body);
      if (body['stream'] !== true) return sendJson(response, 200, completion(body, counter));
      const stream = nextStream;
      nextStream = undefined;
      return await streamCompletion(response, body, counter, stream);
    } catch (error) {
      if (!(error instanceof OpenAIError)) throw error;
      return sendJson(response, error.status, error.body());
    }
  });

  function checkAuth(value: string | string[] | undefined): void {
    const header = Array.isArray(value) ? value[0] : value;
    const key = authPrefix === '' ? header : header?.startsWith(`${authPrefix} `) ? header.slice(authPrefix.length + 1) : undefined;
    if (!key) {
      throw new OpenAIError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
      );
    }
    if (!apiKeys.includes(key)) {
      // The real API echoes the start and end of the wrong key.
      throw new OpenAIError(
        401,
        `Incorrect API key provided: ${key.slice(0, 5)}***${key.slice(-2)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        null,
        'invalid_api_key',
      );
    }
  }

  return {
    baseUrl: server.origin + prefix,
    origin: server.origin,
    requests: server.requests,
    failNext: (failure) => void (nextFailure = failure),
    failNextStream: ({ afterChunks }) => void (nextStream = { mode: 'fail', afterChunks }),
    hangNextStream: ({ afterChunks }) => void (nextStream = { mode: 'hang', afterChunks }),
    close: () => server.close(),
  };
}

function sendFailure(response: ServerResponse, failure: MockFailure): void {
  if (typeof failure.body === 'string') {
    response.writeHead(failure.status, { 'content-type': 'text/html', ...failure.headers });
    response.end(failure.body);
    return;
  }
  sendJson(response, failure.status, failure.body ?? defaultErrorBody(failure.status), failure.headers);
}

function defaultErrorBody(status: number): Json {
  const error = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });
  if (status === 401) return error('Incorrect API key provided: sk-ab***cd.', 'invalid_request_error', 'invalid_api_key');
  if (status === 404) return error('The model `gpt-x` does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found');
  if (status === 429) {
    return error('Rate limit reached for gpt-4o-mini in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1.', 'requests', 'rate_limit_exceeded');
  }
  if (status < 500) return error('Invalid request.', 'invalid_request_error', null);
  return error('The server had an error while processing your request. Sorry about that!', 'server_error', null);
}

// ---- validation -------------------------------------------------------------------------------

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function expect(ok: boolean, param: string, expected: string, value: unknown): void {
  if (!ok) invalid(`Invalid type for '${param}': expected ${expected}, but got ${typeName(value)} instead.`, param, 'invalid_type');
}

function range(body: Json, name: string, min: number, max: number, integer = false): void {
  const value = body[name];
  if (value === undefined) return;
  expect(typeof value === 'number' && (!integer || Number.isInteger(value)), name, integer ? 'an integer' : 'a decimal', value);
  if ((value as number) > max) invalid(`Invalid '${name}': decimal above maximum value. Expected a value <= ${max}, but got ${String(value)} instead.`, name, 'decimal_above_max_value');
  if ((value as number) < min) invalid(`Invalid '${name}': decimal below minimum value. Expected a value >= ${min}, but got ${String(value)} instead.`, name, 'decimal_below_min_value');
}

function validateChat(body: unknown): Json {
  if (!isObject(body)) return invalid('We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.');
  for (const key of Object.keys(body)) if (!chatFields.has(key)) invalid(`Unrecognized request argument supplied: ${key}`);
  for (const name of ['model', 'messages']) {
    if (body[name] === undefined) invalid(`Missing required parameter: '${name}'.`, name, 'missing_required_parameter');
  }
  expect(typeof body['model'] === 'string', 'model', 'a string', body['model']);
  const messages = body['messages'];
  if (!Array.isArray(messages)) return expect(false, 'messages', 'an array', messages) as never;
  if (messages.length === 0) invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  messages.forEach(validateMessage);
  validateToolOrder(messages as Json[]);

  if (body['stream_options'] !== undefined && body['stream'] !== true) {
    invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  }
  if (body['max_tokens'] !== undefined && body['max_completion_tokens'] !== undefined) {
    invalid("Invalid request: 'max_tokens' and 'max_completion_tokens' cannot both be set. Use 'max_completion_tokens'.", 'max_tokens');
  }
  range(body, 'temperature', 0, 2);
  range(body, 'top_p', 0, 1);
  range(body, 'presence_penalty', -2, 2);
  range(body, 'frequency_penalty', -2, 2);
  range(body, 'max_tokens', 1, 1_000_000, true);
  range(body, 'max_completion_tokens', 1, 1_000_000, true);
  range(body, 'n', 1, 128, true);
  range(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  for (const name of ['stream', 'parallel_tool_calls']) {
    if (body[name] !== undefined) expect(typeof body[name] === 'boolean', name, 'a boolean', body[name]);
  }
  if (body['user'] !== undefined) expect(typeof body['user'] === 'string', 'user', 'a string', body['user']);
  const stop = body['stop'];
  if (stop !== undefined && stop !== null) {
    expect(typeof stop === 'string' || (Array.isArray(stop) && stop.every((item) => typeof item === 'string')), 'stop', 'a string or an array of strings', stop);
    if (Array.isArray(stop) && stop.length > 4) invalid(`Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${stop.length} instead.`, 'stop', 'array_above_max_length');
  }
  validateTools(body);
  validateResponseFormat(body, messages as Json[]);
  return body;
}

function validateMessage(message: unknown, index: number): void {
  const at = `messages[${index}]`;
  if (!isObject(message)) return expect(false, at, 'an object', message);
  const allowed = messageFields[String(message['role'])];
  if (!allowed) {
    return invalid(`Invalid value: '${String(message['role'])}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`, `${at}.role`, 'invalid_value');
  }
  for (const key of Object.keys(message)) {
    if (!allowed.has(key)) invalid(`Additional properties are not allowed ('${key}' was unexpected) - 'messages.${index}'`, `${at}`);
  }
  const { role, content } = message;
  if (role === 'tool') {
    if (message['tool_call_id'] === undefined) invalid(`Missing required parameter: '${at}.tool_call_id'.`, `${at}.tool_call_id`, 'missing_required_parameter');
    expect(typeof message['tool_call_id'] === 'string', `${at}.tool_call_id`, 'a string', message['tool_call_id']);
  }
  if (role === 'assistant') {
    const calls = message['tool_calls'];
    if (calls !== undefined) {
      expect(Array.isArray(calls), `${at}.tool_calls`, 'an array', calls);
      (calls as unknown[]).forEach((call, callIndex) => {
        const callAt = `${at}.tool_calls[${callIndex}]`;
        const fn = isObject(call) ? call['function'] : undefined;
        const ok = isObject(call) && typeof call['id'] === 'string' && call['type'] === 'function' && isObject(fn) && typeof fn['name'] === 'string' && typeof fn['arguments'] === 'string';
        if (!ok) invalid(`Invalid '${callAt}': expected {id, type: 'function', function: {name, arguments: string}}.`, callAt, 'invalid_value');
      });
    }
    if (content === null && calls !== undefined) return;
  }
  if (typeof content === 'string') return;
  if (content === undefined) return invalid(`Missing required parameter: '${at}.content'.`, `${at}.content`, 'missing_required_parameter');
  expect(Array.isArray(content), `${at}.content`, 'a string or an array', content);
  const partTypes = role === 'user' ? ['text', 'image_url', 'input_audio', 'file'] : role === 'assistant' ? ['text', 'refusal'] : ['text'];
  (content as unknown[]).forEach((part, partIndex) => {
    const partAt = `${at}.content[${partIndex}]`;
    const type = isObject(part) ? part['type'] : undefined;
    if (!isObject(part) || typeof type !== 'string' || !partTypes.includes(type)) {
      return invalid(`Invalid value: '${String(type)}'. Supported values are: ${partTypes.map((name) => `'${name}'`).join(', ')}.`, `${partAt}.type`, 'invalid_value');
    }
    if (type === 'text') expect(typeof part['text'] === 'string', `${partAt}.text`, 'a string', part['text']);
    if (type === 'image_url') {
      const image = part['image_url'];
      expect(isObject(image) && typeof image['url'] === 'string', `${partAt}.image_url.url`, 'a string', image);
      const detail = (image as Json)['detail'];
      if (detail !== undefined && !['auto', 'low', 'high'].includes(String(detail))) invalid(`Invalid value: '${String(detail)}'. Supported values are: 'auto', 'low', and 'high'.`, `${partAt}.image_url.detail`, 'invalid_value');
    }
  });
}

function validateToolOrder(messages: Json[]): void {
  let pending: Set<string> | undefined;
  messages.forEach((message, index) => {
    if (message['role'] === 'tool') {
      if (!pending || !pending.has(String(message['tool_call_id']))) {
        invalid("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${index}].role`);
      }
      pending?.delete(String(message['tool_call_id']));
      return;
    }
    if (pending && pending.size > 0) {
      invalid(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`, `messages.[${index}].role`);
    }
    const calls = message['role'] === 'assistant' ? message['tool_calls'] : undefined;
    pending = Array.isArray(calls) ? new Set(calls.map((call) => String((call as Json)['id']))) : undefined;
  });
  if (pending && pending.size > 0) {
    invalid(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`, 'messages');
  }
}

function validateTools(body: Json): void {
  const tools = body['tools'];
  if (tools === undefined) {
    for (const name of ['tool_choice', 'parallel_tool_calls']) {
      if (body[name] !== undefined) invalid(`Invalid value for '${name}': '${name}' is only allowed when 'tools' are specified.`, name);
    }
    return;
  }
  expect(Array.isArray(tools), 'tools', 'an array', tools);
  const names = (tools as unknown[]).map((tool, index) => {
    const fn = isObject(tool) ? tool['function'] : undefined;
    if (!isObject(tool) || tool['type'] !== 'function' || !isObject(fn)) return invalid(`Invalid 'tools[${index}]': expected {type: 'function', function: {...}}.`, `tools[${index}]`, 'invalid_value');
    const name = fn['name'];
    if (typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
      return invalid(`Invalid 'tools[${index}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `tools[${index}].function.name`, 'invalid_value');
    }
    if (fn['parameters'] !== undefined) expect(isObject(fn['parameters']), `tools[${index}].function.parameters`, 'an object', fn['parameters']);
    return name;
  });
  const choice = body['tool_choice'];
  if (choice === undefined || choice === 'none' || choice === 'auto' || choice === 'required') return;
  const chosen = isObject(choice) && isObject(choice['function']) ? choice['function']['name'] : undefined;
  if (!isObject(choice) || choice['type'] !== 'function' || typeof chosen !== 'string') invalid("Invalid value for 'tool_choice'.", 'tool_choice', 'invalid_value');
  if (!names.includes(chosen as string)) invalid(`Invalid value for 'tool_choice': no function named '${String(chosen)}' was specified in the 'tools' parameter.`, 'tool_choice');
}

function validateResponseFormat(body: Json, messages: Json[]): void {
  const format = body['response_format'];
  if (format === undefined) return;
  const type = isObject(format) ? format['type'] : undefined;
  if (type === 'text') return;
  if (type === 'json_object') {
    if (!JSON.stringify(messages).toLowerCase().includes('json')) invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'messages');
    return;
  }
  if (type === 'json_schema') {
    const schema = (format as Json)['json_schema'];
    if (!isObject(schema) || typeof schema['name'] !== 'string') invalid("Missing required parameter: 'response_format.json_schema.name'.", 'response_format.json_schema.name', 'missing_required_parameter');
    return;
  }
  invalid(`Invalid value: '${String(type)}'. Supported values are: 'text', 'json_object', and 'json_schema'.`, 'response_format.type', 'invalid_value');
}

// ---- answers ----------------------------------------------------------------------------------

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((part): part is Json => isObject(part) && part['type'] === 'text')
    .map((part) => String(part['text']))
    .join(' ');
}

interface Answer {
  content: string | null;
  toolCall?: { name: string; arguments: string };
  finishReason: string;
  usage: Json;
}

function answer(body: Json): Answer {
  const messages = body['messages'] as Json[];
  const last = messages[messages.length - 1] as Json;
  const lastUser = [...messages].reverse().find((message) => message['role'] === 'user');
  const userText = textOf(lastUser?.['content']);
  const tools = body['tools'] as Json[] | undefined;
  const choice = body['tool_choice'];
  let content: string | null = null;
  let toolCall: Answer['toolCall'];
  let finishReason = 'stop';
  if (tools?.length && last['role'] === 'user' && choice !== 'none') {
    const named = isObject(choice) ? (choice['function'] as Json)['name'] : undefined;
    const name = String(named ?? (tools[0]?.['function'] as Json)['name']);
    toolCall = { name, arguments: JSON.stringify({ query: userText }) };
    finishReason = 'tool_calls';
  } else {
    content = `Echo: ${last['role'] === 'tool' ? textOf(last['content']) : userText}`;
    if (last['role'] === 'user' && Array.isArray(last['content'])) {
      for (const part of last['content'] as Json[]) {
        if (part['type'] !== 'image_url') continue;
        const url = String((part['image_url'] as Json)['url']);
        content += ` [image:${/^data:([^;,]+)/.exec(url)?.[1] ?? url}]`;
      }
    }
    const stops = typeof body['stop'] === 'string' ? [body['stop']] : ((body['stop'] as string[] | undefined) ?? []);
    const cut = Math.min(...stops.map((stop) => content!.indexOf(stop)).filter((index) => index >= 0));
    if (Number.isFinite(cut)) content = content.slice(0, cut);
    const limit = (body['max_completion_tokens'] ?? body['max_tokens']) as number | undefined;
    if (limit !== undefined && words(content).length > limit) {
      content = words(content).slice(0, limit).join(' ');
      finishReason = 'length';
    }
  }
  const inputTokens = messages.reduce((sum, message) => sum + words(textOf(message['content'])).length, 0);
  const outputTokens = words(content ?? toolCall?.arguments ?? '').length;
  const system = messages.filter((message) => message['role'] === 'system' || message['role'] === 'developer').map((message) => textOf(message['content']));
  const usage = {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: system.some((text) => text.includes('cache')) ? 3 : 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  return { content, ...(toolCall ? { toolCall } : {}), finishReason, usage };
}

function completion(body: Json, counter: number): Json {
  const result = answer(body);
  const toolCalls = result.toolCall ? [{ id: `call_mock${counter}`, type: 'function', function: result.toolCall }] : undefined;
  const choices = Array.from({ length: (body['n'] as number | undefined) ?? 1 }, (_, index) => ({
    index,
    message: { role: 'assistant', content: result.content, refusal: null, annotations: [], ...(toolCalls ? { tool_calls: toolCalls } : {}) },
    logprobs: null,
    finish_reason: result.finishReason,
  }));
  return {
    id: `chatcmpl-mock${counter}`,
    object: 'chat.completion',
    created,
    model: body['model'],
    choices,
    usage: result.usage,
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
}

async function streamCompletion(
  response: ServerResponse,
  body: Json,
  counter: number,
  mode: { mode: 'fail' | 'hang'; afterChunks: number } | undefined,
): Promise<void> {
  const result = answer(body);
  const includeUsage = isObject(body['stream_options']) && body['stream_options']['include_usage'] === true;
  const base = { id: `chatcmpl-mock${counter}`, object: 'chat.completion.chunk', created, model: body['model'], service_tier: 'default', system_fingerprint: 'fp_mock' };
  const frame = (delta: Json, finishReason: string | null = null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(includeUsage ? { usage: null } : {}) })}\n\n`;

  let first: string;
  const content: string[] = [];
  if (result.toolCall) {
    const call = { index: 0, id: `call_mock${counter}`, type: 'function', function: { name: result.toolCall.name, arguments: '' } };
    first = frame({ role: 'assistant', content: null, tool_calls: [call], refusal: null });
    for (const piece of result.toolCall.arguments.match(/.{1,8}/gs) ?? []) content.push(frame({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  } else {
    first = frame({ role: 'assistant', content: '', refusal: null });
    (result.content ?? '').split(' ').forEach((word, index) => content.push(frame({ content: index === 0 ? word : ` ${word}` })));
  }
  if (mode?.mode === 'fail') {
    const error = { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } };
    return sendSse(response, [first, ...content.slice(0, mode.afterChunks), `data: ${JSON.stringify(error)}\n\n`]);
  }
  if (mode?.mode === 'hang') {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const chunk of [first, ...content.slice(0, mode.afterChunks)]) response.write(chunk);
    return new Promise((resolve) => response.on('close', resolve));
  }
  const tail = [frame({}, result.finishReason)];
  if (includeUsage) tail.push(`data: ${JSON.stringify({ ...base, choices: [], usage: result.usage })}\n\n`);
  return sendSse(response, [first, ...content, ...tail, 'data: [DONE]\n\n']);
}

// ---- embeddings and models ----------------------------------------------------------------------

function embeddings(body: unknown): Json {
  if (!isObject(body)) return invalid('We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.');
  for (const key of Object.keys(body)) {
    if (!['model', 'input', 'dimensions', 'encoding_format', 'user'].includes(key)) invalid(`Unrecognized request argument supplied: ${key}`);
  }
  for (const name of ['model', 'input']) {
    if (body[name] === undefined) invalid(`Missing required parameter: '${name}'.`, name, 'missing_required_parameter');
  }
  const input = body['input'];
  const list: (string | number[])[] =
    typeof input === 'string' ? [input]
    : Array.isArray(input) && input.every((item) => typeof item === 'number') ? [input as number[]]
    : Array.isArray(input) ? (input as (string | number[])[])
    : [];
  const valid = list.length > 0 && list.every((item) => (typeof item === 'string' && item !== '') || (Array.isArray(item) && item.length > 0 && item.every(Number.isInteger)));
  if (!valid) invalid("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
  const format = body['encoding_format'] ?? 'float';
  if (format !== 'float' && format !== 'base64') invalid(`Invalid value: '${String(format)}'. Supported values are: 'float' and 'base64'.`, 'encoding_format', 'invalid_value');
  range(body, 'dimensions', 1, 3072, true);
  const dimensions = (body['dimensions'] as number | undefined) ?? 8;
  let tokens = 0;
  const data = list.map((item, index) => {
    const sum = typeof item === 'string' ? charCodeSum(item) : item.reduce((total, value) => total + value, 0);
    tokens += typeof item === 'string' ? words(item).length : item.length;
    const vector = Array.from({ length: dimensions }, (_, position) => ((sum + position) % 100) / 100);
    return { object: 'embedding', index, embedding: format === 'base64' ? base64Floats(vector) : vector };
  });
  return { object: 'list', data, model: body['model'], usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

function charCodeSum(text: string): number {
  let sum = 0;
  for (let index = 0; index < text.length; index++) sum += text.charCodeAt(index);
  return sum;
}

function base64Floats(vector: number[]): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return Buffer.from(view.buffer).toString('base64');
}

function modelList(): Json {
  const ids = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'system' })) };
}
