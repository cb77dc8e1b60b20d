import { ProviderError, SwitchboardError } from '../../errors.js';
import { convertToOpenAIMessages } from '../openai/convert-to-openai-request.js';
import type { ResponseDefaults } from '../openai/convert-openai-response.js';
import { tokenCount, unreportedUsage, usageFromBuckets } from '../shared/usage-buckets.js';
import type { CallOptions, ChatMessage, ChatRequest, ChatResponse, FinishReason, Usage } from '../spec/index.js';
import { getJsonPath, type JsonPath } from './json-path.js';
import type { PlaceholderName, RequestTemplate, TemplateNode } from './request-template.js';
import { vendorAnswerId } from '../shared/answer-id.js';

/** Throws `unsupported_feature` for what a template cannot express (tools, images, JSON formats). */
export function assertTemplateSupports(provider: string, request: ChatRequest): void {
  const unsupported = (what: string, param: string): never => {
    throw new SwitchboardError('unsupported_feature', `Provider '${provider}' (request template) does not support ${what}`, {
      param,
    });
  };
  if (request.tools?.length || (request.toolChoice !== undefined && request.toolChoice !== 'none')) unsupported('tools', 'tools');
  if (request.responseFormat && request.responseFormat.type !== 'text') unsupported(request.responseFormat.type, 'response_format');
  if (request.n !== undefined && request.n > 1) unsupported('n > 1', 'n');
  for (const message of request.messages) {
    if (message.role === 'tool' || (message.role === 'assistant' && message.toolCalls?.length)) unsupported('tool calls', 'messages');
    if (message.role === 'user' && message.content.some((part) => part.type !== 'text')) unsupported('images', 'messages');
  }
}

/** The request body for one call: the compiled template filled with this request's values. */
export function renderTemplateBody(template: RequestTemplate, request: ChatRequest, options: CallOptions): unknown {
  const cache = new Map<PlaceholderName, unknown>();
  const resolve = (name: PlaceholderName): unknown => {
    if (!cache.has(name)) cache.set(name, placeholderValue(name, request, options));
    return cache.get(name);
  };
  return renderNode(template.body, resolve) ?? null;
}

function renderNode(node: TemplateNode, resolve: (name: PlaceholderName) => unknown): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'placeholder':
      return resolve(node.name);
    case 'text':
      return node.pieces.map((piece) => (typeof piece === 'string' ? piece : interpolate(resolve(piece.name)))).join('');
    case 'array':
      return node.items.map((item) => renderNode(item, resolve)).filter((item) => item !== undefined);
    case 'object': {
      // fromEntries defines own properties, so a `__proto__` key in a template stays a plain key.
      const entries: [string, unknown][] = [];
      for (const [key, item] of node.entries) {
        const value = renderNode(item, resolve);
        if (value !== undefined) entries.push([key, value]);
      }
      return Object.fromEntries(entries);
    }
  }
}

function interpolate(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function placeholderValue(name: PlaceholderName, request: ChatRequest, options: CallOptions): unknown {
  switch (name) {
    case 'model':
      return request.model;
    case 'messages':
      return convertToOpenAIMessages(request.messages);
    case 'prompt':
      return [...request.messages.map((message) => `${speaker(message)}: ${messageText(message)}`), 'Assistant:'].join('\n');
    case 'system': {
      const system = request.messages.filter((message) => message.role === 'system' || message.role === 'developer');
      return system.length > 0 ? system.map(messageText).join('\n\n') : undefined;
    }
    case 'last_user_message': {
      const user = request.messages.findLast((message) => message.role === 'user');
      return user ? messageText(user) : undefined;
    }
    case 'max_tokens':
      return request.maxTokens ?? options.model?.maxOutputTokens;
    case 'temperature':
      return request.temperature;
    case 'top_p':
      return request.topP;
    case 'stop':
      return request.stop;
    case 'seed':
      return request.seed;
    case 'user':
      return request.user;
  }
}

function speaker(message: ChatMessage): string {
  if (message.role === 'user') return 'User';
  if (message.role === 'assistant') return 'Assistant';
  return message.role === 'tool' ? 'Tool' : 'System';
}

function messageText(message: ChatMessage): string {
  if (message.role === 'user') return message.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
  return message.content ?? '';
}

const normalizedReasons = new Set<string>(['stop', 'length', 'tool_calls', 'content_filter']);

/** Reads the templated API's JSON answer through the template's response paths. */
export function convertTemplateResponse(
  provider: string,
  template: RequestTemplate,
  json: unknown,
  defaults: ResponseDefaults,
): ChatResponse {
  const paths = template.response;
  const text = getJsonPath(json, paths.text);
  if (typeof text !== 'string') {
    throw new ProviderError('provider_error', `Provider '${provider}' returned no text at '${paths.textPath}'`, {
      provider,
      status: 502,
    });
  }
  const rawReason = paths.finishReason ? getJsonPath(json, paths.finishReason) : undefined;
  const reasonKey = rawReason === undefined || rawReason === null ? undefined : String(rawReason);
  const mapped = reasonKey === undefined ? undefined : (paths.finishReasonMap[reasonKey] ?? reasonKey);
  const finishReason: FinishReason = mapped !== undefined && normalizedReasons.has(mapped) ? (mapped as FinishReason) : 'stop';
  const id = paths.id ? getJsonPath(json, paths.id) : undefined;
  return {
    id: vendorAnswerId(typeof id === 'number' ? String(id) : id) ?? `chatcmpl-${defaults.randomId()}`,
    model: defaults.model,
    created: defaults.created,
    choices: [{ index: 0, content: text, toolCalls: [], finishReason }],
    usage: templateUsage(json, paths),
  };
}

/**
 * Usage read through the template's paths, as OpenAI counts it (cached ⊂ input, reasoning ⊂
 * output). Neither input nor output count found = nothing reported.
 */
function templateUsage(json: unknown, paths: RequestTemplate['response']): Usage {
  const read = (path: JsonPath | undefined): unknown => (path ? getJsonPath(json, path) : undefined);
  const raw = {
    input_tokens: read(paths.inputTokens),
    output_tokens: read(paths.outputTokens),
    cached_input_tokens: read(paths.cachedInputTokens),
    reasoning_tokens: read(paths.reasoningTokens),
  };
  if (typeof raw.input_tokens !== 'number' && typeof raw.output_tokens !== 'number') return unreportedUsage();
  const input = tokenCount(raw.input_tokens);
  const output = tokenCount(raw.output_tokens);
  const cachedInput = Math.min(tokenCount(raw.cached_input_tokens), input);
  const reasoning = Math.min(tokenCount(raw.reasoning_tokens), output);
  return usageFromBuckets(
    { input: input - cachedInput, cachedInput, cacheWrite5m: 0, cacheWrite1h: 0, output: output - reasoning, reasoning },
    raw,
  );
}
