/**
 * A strict fake of the Anthropic Messages API on 127.0.0.1, following the common mock contract
 * (README.md beside this file). Routes: `POST /v1/messages`, `POST /v1/messages/count_tokens`
 * (`{input_tokens}`: the input words as the Messages usage counts them, cache included),
 * `GET /v1/models`; anything else is Anthropic's 404 `not_found_error`.
 *
 * Checked like the real API: `anthropic-version` (`2023-06-01` or `2026-10-21`), auth (`x-api-key`,
 * else `Authorization: Bearer`), required `model`/`max_tokens`/`messages`, no extra keys (and no
 * `temperature`/`top_p`/`top_k` under 2026-10-21), roles, first message from the user, non-empty content (but for a final assistant message), tool_use ↔
 * tool_result pairing, tool names and `input_schema.type`, `temperature` with `top_p` on Claude 4.1 to
 * 4.6, a base64 image whose bytes are of another format than its `media_type`, the shape of `thread` (accepted, as the
 * API accepts it; the mock holds no threads, so a thread changes nothing in the answer). Consecutive same-role messages are merged,
 * as the API does.
 *
 * Answers follow the contract. Anthropic specifics: usage reports `input_tokens` without cached
 * tokens; a system prompt containing `cache` reads 3 tokens from the cache and one containing
 * `cache-write` also writes 2. Input words are counted in text blocks, tool results and the system.
 * A `web_search_*` server tool searches once per word `search` of the last user text (at most its
 * `max_uses`): a `server_tool_use` + `web_search_tool_result` block pair each, before the text, and
 * `usage.server_tool_use.web_search_requests` (in a stream, on `message_delta` only). Server tools
 * are never answered with a client `tool_use` block.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, startMockServer, streamSse, type RecordedRequest } from '../helpers/mock-server.js';
import { type Block, checkMessagesRequest, errorTypeForStatus, isRecord, type Json, type Message, RequestError, signThinking, versions } from './anthropic-checks.js';

export interface AnthropicMockOptions {
  /** Accepted API keys (default `['test-key']`). */
  apiKeys?: string[];
}

export interface AnthropicMockFailure {
  status: number;
  /** The error body; default: Anthropic's error JSON for the status. A string is sent as is. */
  body?: unknown;
  /** Default for 429: `retry-after: 7`. */
  headers?: Record<string, string>;
}

/**
 * A recorded payload to answer the next `/v1/messages` call with (after its checks pass); `frames`:
 * SSE frames written as fast as the connection takes them (streamSse), e.g. generated one by one.
 */
export type AnthropicMockReplay = { json: unknown } | { sse: string } | { frames: Iterable<string> } | { text: string };

export interface AnthropicMock {
  origin: string;
  /** `origin + '/v1'`: what goes into `ai_providers.api_base_url`. */
  baseUrl: string;
  requests: RecordedRequest[];
  failNext(failure: AnthropicMockFailure): void;
  /** The next stream sends `afterChunks` content deltas, then `event: error` (overloaded_error). */
  failNextStream(options?: { afterChunks?: number }): void;
  /** The next stream sends `afterChunks` content deltas, then never ends. */
  hangNextStream(options?: { afterChunks?: number }): void;
  replayNext(replay: AnthropicMockReplay): void;
  close(): Promise<void>;
}

export async function startAnthropicMock(options: AnthropicMockOptions = {}): Promise<AnthropicMock> {
  const apiKeys = options.apiKeys ?? ['test-key'];
  let failure: AnthropicMockFailure | undefined;
  let streamFault: { kind: 'fail' | 'hang'; afterChunks: number } | undefined;
  let replay: AnthropicMockReplay | undefined;
  let counter = 0;

  const server = await startMockServer(async (request, response) => {
    const path = request.url.split('?')[0];
    const route = `${request.method} ${path}`;
    if (route !== 'POST /v1/messages' && route !== 'POST /v1/messages/count_tokens' && route !== 'GET /v1/models') {
      return sendError(response, 404, 'not_found_error', 'Not Found');
    }
    const authFailure = checkAuth(request, apiKeys);
    if (authFailure !== undefined) return sendError(response, 401, 'authentication_error', authFailure);
    const version = header(request, 'anthropic-version');
    if (version === undefined) return sendError(response, 400, 'invalid_request_error', 'anthropic-version: header is required');
    if (!versions.includes(version)) {
      return sendError(response, 400, 'invalid_request_error', `anthropic-version: "${version}" is not a valid version`);
    }
    if (failure !== undefined) {
      const { status, body, headers } = failure;
      failure = undefined;
      const [type, message] = errorTypeForStatus[status] ?? ['api_error', 'Internal server error'];
      const extra = headers ?? (status === 429 ? { 'retry-after': '7' } : {});
      if (typeof body === 'string') {
        response.writeHead(status, { 'content-type': 'text/html', ...extra });
        response.end(body);
        return;
      }
      return sendJson(response, status, body ?? errorBody(type, message), { 'request-id': requestId(), ...extra });
    }
    if (route === 'GET /v1/models') {
      return sendJson(response, 200, {
        data: [{ type: 'model', id: 'claude-test-1', display_name: 'Claude Test', created_at: '2026-01-01T00:00:00Z' }],
        has_more: false,
        first_id: 'claude-test-1',
        last_id: 'claude-test-1',
      });
    }

    let checked: { body: Json; messages: Message[] };
    const counting = route === 'POST /v1/messages/count_tokens';
    try {
      checked = checkMessagesRequest(request.body, version, counting);
    } catch (error) {
      if (error instanceof RequestError) return sendError(response, 400, 'invalid_request_error', error.message);
      throw error;
    }
    const { body, messages } = checked;
    if (counting) return sendJson(response, 200, { input_tokens: inputWords(body, messages) }, { 'request-id': requestId() });
    const stream = body['stream'] === true;
    if (replay !== undefined) {
      const next = replay;
      replay = undefined;
      if ('json' in next) return sendJson(response, 200, next.json, { 'request-id': requestId() });
      if ('text' in next) {
        response.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId() });
        response.end(next.text);
        return;
      }
      if ('frames' in next) return streamSse(response, next.frames);
      return sendSse(response, next.sse.split(/\n\n/).filter((frame) => frame.trim() !== '').map((frame) => `${frame}\n\n`));
    }

    counter += 1;
    const message = answer(body, messages, `msg_mock_${counter}`, `toolu_mock_${counter}`);
    if (!stream) return sendJson(response, 200, message, { 'request-id': requestId() });
    const fault = streamFault;
    streamFault = undefined;
    await sendStream(response, message, fault);
  });

  return {
    origin: server.origin,
    baseUrl: `${server.origin}/v1`,
    requests: server.requests,
    failNext: (next) => {
      failure = next;
    },
    failNextStream: (next = {}) => {
      streamFault = { kind: 'fail', afterChunks: next.afterChunks ?? 2 };
    },
    hangNextStream: (next = {}) => {
      streamFault = { kind: 'hang', afterChunks: next.afterChunks ?? 1 };
    },
    replayNext: (next) => {
      replay = next;
    },
    close: () => server.close(),
  };
}

function checkAuth(request: RecordedRequest, apiKeys: string[]): string | undefined {
  const apiKey = header(request, 'x-api-key');
  if (apiKey !== undefined) return apiKeys.includes(apiKey) ? undefined : 'invalid x-api-key';
  const authorization = header(request, 'authorization');
  if (authorization === undefined) return 'x-api-key header is required';
  const match = /^Bearer (.+)$/.exec(authorization);
  return match?.[1] !== undefined && apiKeys.includes(match[1]) ? undefined : 'Invalid bearer token';
}

/** The deterministic Message of the contract. */
function answer(body: Json, messages: Message[], id: string, toolUseId: string): Json {
  const system = systemText(body['system']);
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const toolResults = lastUser?.content.filter((block) => block.type === 'tool_result') ?? [];
  const userText = (lastUser?.content ?? []).filter((block) => block.type === 'text').map((block) => String(block['text'])).join(' ');
  const tools = Array.isArray(body['tools']) ? (body['tools'] as Json[]) : [];
  const choice = isRecord(body['tool_choice']) ? body['tool_choice'] : undefined;
  const lastIsUser = messages[messages.length - 1]?.role === 'user';
  const inputCount = inputWords(body, messages);
  const cacheRead = system.includes('cache') ? 3 : 0;
  const cacheWrite = system.includes('cache-write') ? 2 : 0;
  // With thinking on the answer opens with a signed thinking block (counted in output_tokens). In
  // adaptive mode with `display: 'omitted'` its text is empty (the signature still carries it).
  const thinking = isRecord(body['thinking']) ? body['thinking'] : undefined;
  const thinks = thinking?.['type'] === 'enabled' || thinking?.['type'] === 'adaptive';
  const thinkingText = `Thinking about: ${userText}`;
  const shown = thinking?.['display'] === 'omitted' ? '' : thinkingText;
  const thinkingBlocks = thinks ? [{ type: 'thinking', thinking: shown, signature: signThinking(shown) }] : [];
  const thinkingTokens = thinks ? words(thinkingText) : 0;
  // Web search: one search per word `search` in the last user text (at most the tool's max_uses).
  const webSearch = tools.find((tool) => String(tool['type']).startsWith('web_search_'));
  const maxUses = typeof webSearch?.['max_uses'] === 'number' ? webSearch['max_uses'] : Infinity;
  const searches = webSearch !== undefined && lastIsUser && toolResults.length === 0 && choice?.['type'] !== 'none' ? Math.min(searchWords(userText), maxUses) : 0;
  const searchBlocks = Array.from({ length: searches }, (_, index) => webSearchBlocks(`srvtoolu_mock_${id.slice(9)}_${index + 1}`, userText, index));
  const usage = (outputTokens: number): Json => ({
    input_tokens: Math.max(0, inputCount - cacheRead - cacheWrite),
    output_tokens: outputTokens + thinkingTokens,
    ...(thinks ? { output_tokens_details: { thinking_tokens: thinkingTokens } } : {}),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: cacheWrite, ephemeral_1h_input_tokens: 0 },
    server_tool_use: searches > 0 ? { web_search_requests: searches, web_fetch_requests: 0 } : null,
    service_tier: 'standard',
  });
  const base = { id, type: 'message', role: 'assistant', model: body['model'], stop_details: null, container: null };
  // Client tools only: a server tool is run by the API, never answered with a tool_use block.
  const clientTools = tools.filter((tool) => !isServerRun(tool));

  if (searches === 0 && clientTools.length > 0 && lastIsUser && toolResults.length === 0 && choice?.['type'] !== 'none') {
    const tool = choice?.['type'] === 'tool' ? clientTools.find((candidate) => candidate['name'] === choice['name']) : clientTools[0];
    const input = { query: userText };
    return {
      ...base,
      content: [...thinkingBlocks, { type: 'tool_use', id: toolUseId, name: tool?.['name'], input, caller: { type: 'direct' } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: usage(words(JSON.stringify(input))),
    };
  }

  const lastResult = toolResults[toolResults.length - 1];
  let text = `Echo: ${lastResult !== undefined ? resultText(lastResult['content']) : userText}`;
  // Images of the last user turn, and those inside its last tool result (a screenshot tool's).
  const resultBlocks = Array.isArray(lastResult?.['content']) ? (lastResult['content'] as unknown[]).filter(isRecord) : [];
  for (const block of [...(lastUser?.content ?? []), ...resultBlocks]) {
    if (block['type'] !== 'image' || !isRecord(block['source'])) continue;
    const source = block['source'];
    text += ` [image:${String(source['type'] === 'base64' ? source['media_type'] : source['url'])}]`;
  }
  let stopReason = 'end_turn';
  let stopSequence: string | null = null;
  const stops = Array.isArray(body['stop_sequences']) ? (body['stop_sequences'] as string[]) : [];
  const hit = stops
    .map((stop) => ({ stop, at: text.indexOf(stop) }))
    .filter((candidate) => candidate.at !== -1)
    .sort((a, b) => a.at - b.at)[0];
  if (hit !== undefined) {
    text = text.slice(0, hit.at);
    stopReason = 'stop_sequence';
    stopSequence = hit.stop;
  }
  const maxTokens = body['max_tokens'] as number;
  if (words(text) > maxTokens) {
    text = text.split(/\s+/).filter((word) => word !== '').slice(0, maxTokens).join(' ');
    stopReason = 'max_tokens';
    stopSequence = null;
  }
  return {
    ...base,
    content: [...thinkingBlocks, ...searchBlocks.flat(), { type: 'text', text, citations: null }],
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage: usage(words(text)),
  };
}

/** Times the word `search` appears in `text` (any case). */
function searchWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.toLowerCase() === 'search').length;
}

/** Tools the API runs itself (web search and fetch, code execution): never a client `tool_use`. */
function isServerRun(tool: Json): boolean {
  return /^(web_search|web_fetch|code_execution)_/.test(String(tool['type'] ?? ''));
}

/** One web search as the API reports it: the `server_tool_use` call and its `web_search_tool_result`. */
function webSearchBlocks(toolUseId: string, query: string, index: number): Json[] {
  return [
    { type: 'server_tool_use', id: toolUseId, name: 'web_search', input: { query }, caller: { type: 'direct' } },
    {
      type: 'web_search_tool_result',
      tool_use_id: toolUseId,
      content: [
        {
          type: 'web_search_result',
          url: `https://example.com/result-${index + 1}`,
          title: `Result ${index + 1}`,
          encrypted_content: Buffer.from(`mock result ${index + 1} for ${query}`).toString('base64'),
          page_age: 'December 1, 2026',
        },
      ],
    },
  ];
}

/** Input words: text blocks, tool results and the system prompt. */
function inputWords(body: Json, messages: Message[]): number {
  let count = words(systemText(body['system']));
  for (const message of messages) {
    for (const block of message.content) {
      if (block.type === 'text') count += words(String(block['text']));
      if (block.type === 'tool_result') count += words(resultText(block['content']));
    }
  }
  return count;
}

/** Streams a Message as the API does: one text delta per word, tool input in 2+ JSON fragments. */
async function sendStream(response: ServerResponse, message: Json, fault: { kind: 'fail' | 'hang'; afterChunks: number } | undefined): Promise<void> {
  const usage = message['usage'] as Json;
  const frames: { text: string; delta?: boolean }[] = [
    frame('message_start', {
      type: 'message_start',
      // The server-tool counts come with the final usage (message_delta) only.
      message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1, server_tool_use: null } },
    }),
  ];
  const delta = (index: number, body: Json): { text: string; delta: boolean } => ({
    ...frame('content_block_delta', { type: 'content_block_delta', index, delta: body }),
    delta: true,
  });
  (message['content'] as Block[]).forEach((block, index) => {
    if (block.type === 'text') {
      frames.push(frame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '', citations: null } }));
      if (index === 0) frames.push(frame('ping', { type: 'ping' }));
      for (const piece of String(block['text']).split(/(?=\s)/)) frames.push(delta(index, { type: 'text_delta', text: piece }));
    } else if (block.type === 'thinking') {
      frames.push(frame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      if (index === 0) frames.push(frame('ping', { type: 'ping' }));
      for (const piece of String(block['thinking']).split(/(?=\s)/)) frames.push(delta(index, { type: 'thinking_delta', thinking: piece }));
      frames.push(delta(index, { type: 'signature_delta', signature: block['signature'] }));
    } else if (block.type === 'web_search_tool_result') {
      // A server tool's result arrives whole in its content_block_start, with no deltas.
      frames.push(frame('content_block_start', { type: 'content_block_start', index, content_block: block }));
    } else {
      frames.push(frame('content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } }));
      if (index === 0) frames.push(frame('ping', { type: 'ping' }));
      const json = JSON.stringify(block['input']);
      const cut = Math.ceil(json.length / 2);
      for (const piece of ['', json.slice(0, cut), json.slice(cut)]) frames.push(delta(index, { type: 'input_json_delta', partial_json: piece }));
    }
    frames.push(frame('content_block_stop', { type: 'content_block_stop', index }));
  });
  frames.push(
    frame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message['stop_reason'], stop_sequence: message['stop_sequence'], stop_details: null },
      usage,
    }),
    frame('message_stop', { type: 'message_stop' }),
  );
  let texts = frames.map((item) => item.text);
  if (fault !== undefined) {
    // Cut just before the delta after the first `afterChunks` ones (or before message_delta).
    let seen = 0;
    let cut = frames.length - 2;
    for (let index = 0; index < frames.length; index++) {
      if (!frames[index]?.delta) continue;
      if (seen === fault.afterChunks) {
        cut = index;
        break;
      }
      seen++;
    }
    texts = texts.slice(0, cut);
    if (fault.kind === 'fail') {
      texts.push(frame('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: requestId() }).text);
    } else {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId() });
      for (const text of texts) response.write(text);
      return; // never ends; close() or the client's abort tears the connection down
    }
  }
  await sendSse(response, texts, { headers: { 'request-id': requestId() } });
}

function frame(event: string, data: unknown): { text: string } {
  return { text: `event: ${event}\ndata: ${JSON.stringify(data)}\n\n` };
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  sendJson(response, status, errorBody(type, message), { 'request-id': requestId() });
}

function errorBody(type: string, message: string): Json {
  return { type: 'error', error: { type, message }, request_id: requestId() };
}

function requestId(): string {
  return `req_mock_${Math.random().toString(36).slice(2, 14)}`;
}

function header(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function systemText(system: unknown): string {
  if (typeof system === 'string') return system;
  if (Array.isArray(system)) return system.map((block: unknown) => (isRecord(block) ? String(block['text'] ?? '') : '')).join(' ');
  return '';
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.filter((block: unknown) => isRecord(block) && block['type'] === 'text').map((block: Json) => String(block['text'])).join(' ');
  return '';
}

function words(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}
