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
import { sendJson, sendSse, startMockServer, streamSse, type MockServer, type RecordedRequest } from '../helpers/mock-server.js';
import { invalid, isObject, type Json, OpenAIError, range, validateChat } from './openai-checks.js';
import { answerResponses, validateResponses } from './openai-responses.js';
import type { StreamGate } from './stream-gate.js';

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
  /** Pause after each stream frame (slow streams). Default 0. */
  chunkDelayMs?: number;
  /** Chat streams wait at this gate before their first frame (read per request; see stream-gate.ts). */
  streamGate?: StreamGate;
  /**
   * A DeepSeek-like server: answers carry `reasoning_content` (`Thinking about: <text>`, also as
   * stream deltas before the content); like every OpenAI row, it refuses `reasoning_content` in history.
   */
  reasoningContent?: boolean;
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
  /** Requests being answered now, and the most ever at once. */
  load: MockServer['load'];
  failNext(failure: MockFailure): void;
  /** Every call fails with `failure` until called with undefined (an upstream that is down). */
  failAlways(failure: MockFailure | undefined): void;
  failNextStream(options: { afterChunks: number }): void;
  /** The next chat stream sends `afterChunks` chunks and never ends; the next Responses stream never sends `response.completed`. */
  hangNextStream(options: { afterChunks: number }): void;
  /**
   * The next chat stream, once its request passed the checks, answers these SSE frames as written (a compatible server's own chunks);
   * frames given one by one are written as fast as the connection takes them (streamSse).
   */
  replayNextStream(sse: string | Iterable<string>): void;
  /** The next chat completion (not streamed), once its request passed the checks, answers this JSON as written. */
  replayNext(json: unknown): void;
  /**
   * The next Responses call, once its request passed the checks, answers as written: `json` with
   * HTTP 200 (streamed or not), or `sse` as an event stream (a compatible server's own answer).
   */
  replayNextResponses(answer: { json: unknown } | { sse: string }): void;
  close(): Promise<void>;
}

const created = 1_767_225_600;

/** Starts the fake on 127.0.0.1. */
export async function startOpenAIMock(options: OpenAIMockOptions = {}): Promise<OpenAIMock> {
  const apiKeys = options.apiKeys ?? ['test-key'];
  const prefix = options.pathPrefix ?? '/v1';
  const authHeader = (options.authHeaderName ?? 'Authorization').toLowerCase();
  const authPrefix = options.authHeaderPrefix ?? 'Bearer';
  let nextFailure: MockFailure | undefined;
  let alwaysFailure: MockFailure | undefined;
  let nextStream: { mode: 'fail' | 'hang'; afterChunks: number } | undefined;
  let replay: string | Iterable<string> | undefined;
  let replayJson: unknown;
  let replayResponses: { json: unknown } | { sse: string } | undefined;
  let counter = 0;

  const server = await startMockServer(async (request, response) => {
    const url = new URL(request.url, 'http://mock');
    for (const [name, value] of Object.entries(options.requireQuery ?? {})) {
      if (url.searchParams.get(name) !== value) {
        return sendJson(response, 404, { error: { code: '404', message: 'Resource not found' } });
      }
    }
    const route = `${request.method} ${url.pathname}`;
    const routes = [`POST ${prefix}/chat/completions`, `POST ${prefix}/embeddings`, `GET ${prefix}/models`, `POST ${prefix}/responses`];
    try {
      if (!routes.includes(route)) throw new OpenAIError(404, `Invalid URL (${request.method} ${url.pathname})`);
      if (apiKeys.length > 0) checkAuth(request.headers[authHeader]);
      if (nextFailure) {
        const failure = nextFailure;
        nextFailure = undefined;
        return sendFailure(response, failure);
      }
      if (alwaysFailure) return sendFailure(response, alwaysFailure);
      counter += 1;
      if (route.endsWith('/models')) return sendJson(response, 200, modelList());
      if (route.endsWith('/embeddings')) return sendJson(response, 200, embeddings(request.body));
      if (route.endsWith('/responses')) {
        const validated = validateResponses(request.body);
        if (replayResponses !== undefined) {
          const answer = replayResponses;
          replayResponses = undefined;
          return sendReplay(response, answer);
        }
        const hang = validated['stream'] === true && nextStream?.mode === 'hang';
        if (validated['stream'] === true) nextStream = undefined;
        return await answerResponses(response, validated, counter, hang);
      }
      const body = validateChat(request.body);
      const flavour = { reasoningContent: options.reasoningContent === true };
      if (body['stream'] !== true) {
        const json = replayJson ?? completion(body, counter, flavour);
        replayJson = undefined;
        return sendJson(response, 200, json);
      }
      if (replay !== undefined) {
        const sse = replay;
        replay = undefined;
        if (typeof sse !== 'string') return await streamSse(response, sse);
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(sse);
        return;
      }
      const stream = nextStream;
      nextStream = undefined;
      await options.streamGate?.arrive();
      return await streamCompletion(response, body, counter, stream, flavour, options.chunkDelayMs ?? 0);
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
    load: server.load,
    failNext: (failure) => void (nextFailure = failure),
    failAlways: (failure) => void (alwaysFailure = failure),
    failNextStream: ({ afterChunks }) => void (nextStream = { mode: 'fail', afterChunks }),
    hangNextStream: ({ afterChunks }) => void (nextStream = { mode: 'hang', afterChunks }),
    replayNextStream: (sse) => void (replay = sse),
    replayNext: (json) => void (replayJson = json),
    replayNextResponses: (answer) => void (replayResponses = answer),
    close: () => server.close(),
  };
}

function sendReplay(response: ServerResponse, answer: { json: unknown } | { sse: string }): void {
  if ('sse' in answer) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(answer.sse);
    return;
  }
  sendJson(response, 200, answer.json);
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
  /** `Thinking about: <user text>`, for the DeepSeek-like flavour. */
  reasoning: string;
}

interface Flavour {
  reasoningContent: boolean;
}

/** Reasoning tokens reported when `reasoning_effort` asks for reasoning (not `none`). */
const REASONING_TOKENS = 7;

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
    // As the real API: a call forced by naming the function finishes with `stop`, not `tool_calls`.
    finishReason = named === undefined ? 'tool_calls' : 'stop';
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
  // Reasoning tokens (inside completion_tokens): 5 when a system text says 'think' (the ledger's
  // bucket tests), and REASONING_TOKENS more when the request sets a reasoning effort.
  const effort = body['reasoning_effort'];
  const reasoningTokens =
    (system.some((text) => text.includes('think')) ? 5 : 0) + (typeof effort === 'string' && effort !== 'none' ? REASONING_TOKENS : 0);
  const usage = {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens + reasoningTokens,
    total_tokens: inputTokens + outputTokens + reasoningTokens,
    prompt_tokens_details: { cached_tokens: system.some((text) => text.includes('cache')) ? 3 : 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  return { content, ...(toolCall ? { toolCall } : {}), finishReason, usage, reasoning: `Thinking about: ${userText}` };
}

/** OpenAI's `logprobs` object for a text: one entry per word, with `top_logprobs` alternatives. */
function logprobsOf(text: string, body: Json): Json {
  const top = (body['top_logprobs'] as number | undefined) ?? 0;
  const content = (text.match(/\s*\S+/g) ?? []).map((token, index) => ({
    token,
    logprob: -0.01 * (index + 1),
    bytes: [...Buffer.from(token)],
    top_logprobs: Array.from({ length: top }, (_unused, rank) => ({ token: rank === 0 ? token : `${token}~${rank}`, logprob: -0.01 * (index + 1) - rank, bytes: null })),
  }));
  return { content, refusal: null };
}

function completion(body: Json, counter: number, flavour: Flavour): Json {
  const result = answer(body);
  const reasoning = flavour.reasoningContent ? { reasoning_content: result.reasoning } : {};
  const toolCalls = result.toolCall ? [{ id: `call_mock${counter}`, type: 'function', function: result.toolCall }] : undefined;
  const choices = Array.from({ length: (body['n'] as number | undefined) ?? 1 }, (_, index) => ({
    index,
    message: { role: 'assistant', content: result.content, ...reasoning, refusal: null, annotations: [], ...(toolCalls ? { tool_calls: toolCalls } : {}) },
    logprobs: body['logprobs'] === true && result.content !== null ? logprobsOf(result.content, body) : null,
    finish_reason: result.finishReason,
  }));
  return {
    id: `chatcmpl-mock${counter}`,
    object: 'chat.completion',
    created,
    model: body['model'],
    choices,
    usage: result.usage,
    service_tier: body['service_tier'] ?? 'default',
    system_fingerprint: 'fp_mock',
  };
}

async function streamCompletion(
  response: ServerResponse,
  body: Json,
  counter: number,
  mode: { mode: 'fail' | 'hang'; afterChunks: number } | undefined,
  flavour: Flavour,
  delayMs: number,
): Promise<void> {
  const result = answer(body);
  const includeUsage = isObject(body['stream_options']) && body['stream_options']['include_usage'] === true;
  const base = { id: `chatcmpl-mock${counter}`, object: 'chat.completion.chunk', created, model: body['model'], service_tier: body['service_tier'] ?? 'default', system_fingerprint: 'fp_mock' };
  // Like OpenAI: every chunk is padded with a random string unless `include_obfuscation: false`.
  const obfuscate = !(isObject(body['stream_options']) && body['stream_options']['include_obfuscation'] === false);
  const padding = (): Json => (obfuscate ? { obfuscation: Math.random().toString(36).slice(2, 2 + Math.floor(Math.random() * 10)) } : {});
  const frame = (delta: Json, finishReason: string | null = null) => {
    const text = typeof delta['content'] === 'string' && delta['content'] !== '' ? delta['content'] : undefined;
    const logprobs = body['logprobs'] === true && text !== undefined ? logprobsOf(text, body) : null;
    return `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs, finish_reason: finishReason }], ...(includeUsage ? { usage: null } : {}), ...padding() })}\n\n`;
  };

  let first: string;
  const content: string[] = [];
  if (result.toolCall) {
    const call = { index: 0, id: `call_mock${counter}`, type: 'function', function: { name: result.toolCall.name, arguments: '' } };
    first = frame({ role: 'assistant', content: null, tool_calls: [call], refusal: null });
    for (const piece of result.toolCall.arguments.match(/.{1,8}/gs) ?? []) content.push(frame({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  } else {
    first = frame({ role: 'assistant', content: '', refusal: null });
    if (flavour.reasoningContent) result.reasoning.split(/(?= )/).forEach((piece) => content.push(frame({ content: null, reasoning_content: piece })));
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
  if (includeUsage) tail.push(`data: ${JSON.stringify({ ...base, choices: [], usage: result.usage, ...padding() })}\n\n`);
  return sendSse(response, [first, ...content, ...tail, 'data: [DONE]\n\n'], { delayMs });
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
  // OpenAI takes at most 2048 inputs in one call (its API reference), refused as any bad input.
  const valid = list.length > 0 && list.length <= 2048 && list.every((item) => (typeof item === 'string' && item !== '') || (Array.isArray(item) && item.length > 0 && item.every(Number.isInteger)));
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
