/** Request checks of the Anthropic mock (anthropic.ts), as the real Messages API applies them. */

export type Json = Record<string, unknown>;
export type Block = Json & { type: string };
export interface Message {
  role: 'user' | 'assistant';
  content: Block[];
}

export const versions = ['2023-06-01', '2026-10-21'];
export const topLevelKeys = new Set([
  'model', 'max_tokens', 'messages', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p',
  'top_k', 'tools', 'tool_choice', 'thinking', 'service_tier', 'output_config', 'container', 'mcp_servers',
  'context_management', 'speed', 'inference_geo', 'thread', 'diagnostics',
]);
export const samplingKeys = ['temperature', 'top_p', 'top_k'];
/** `POST /v1/messages/count_tokens` takes the Messages body without these. */
export const notForCounting = ['max_tokens', 'stream', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'metadata', 'service_tier'];
export const blockKeys: Record<string, string[]> = {
  text: ['type', 'text', 'cache_control', 'citations'],
  image: ['type', 'source', 'cache_control'],
  tool_use: ['type', 'id', 'name', 'input', 'cache_control', 'caller'],
  tool_result: ['type', 'tool_use_id', 'content', 'is_error', 'cache_control'],
  thinking: ['type', 'thinking', 'signature'],
  redacted_thinking: ['type', 'data'],
};

/** The mock's thinking signature: deterministic, so a block sent back altered is caught. */
export function signThinking(thinking: string): string {
  return `sig_mock_${Buffer.from(thinking).toString('base64')}`;
}
export const toolKeys = new Set(['name', 'description', 'input_schema', 'cache_control', 'strict', 'type']);
/** Server tools the mock knows, with the `name` each must have (the API's fixed names). */
export const serverTools: Record<string, string> = {
  web_search_20250305: 'web_search',
  web_fetch_20250910: 'web_fetch',
  code_execution_20250825: 'code_execution',
  bash_20250124: 'bash',
  text_editor_20250728: 'str_replace_based_edit_tool',
};
export const errorTypeForStatus: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'Invalid request'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not Found'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'This request would exceed the rate limit for your organization.'],
  500: ['api_error', 'Internal server error'],
  504: ['timeout_error', 'Request timed out'],
  529: ['overloaded_error', 'Overloaded'],
};

export class RequestError extends Error {}

/** `thread`: `{type: "create"}` or `{type: "continue", previous_message_id}` (the mock holds no threads, so it is otherwise ignored). */
function checkThread(thread: unknown): void {
  if (thread === undefined || thread === null) return;
  const ok = isRecord(thread) && (thread['type'] === 'create' || (thread['type'] === 'continue' && typeof thread['previous_message_id'] === 'string'));
  if (!ok) throw new RequestError("thread: Input should be {type: 'create'} or {type: 'continue', previous_message_id}");
}

/** Checks a Messages body (`counting`: a count_tokens body, which has no `max_tokens` or `stream`). */
export function checkMessagesRequest(raw: unknown, version: string, counting = false): { body: Json; messages: Message[] } {
  if (!isRecord(raw)) throw new RequestError('body: Input should be a valid dictionary');
  for (const key of Object.keys(raw)) {
    if (!topLevelKeys.has(key) || (version === '2026-10-21' && samplingKeys.includes(key)) || (counting && notForCounting.includes(key))) {
      throw new RequestError(`${key}: Extra inputs are not permitted`);
    }
  }
  if (typeof raw['model'] !== 'string') throw new RequestError('model: Field required');
  checkThread(raw['thread']);
  if (counting) {
    // No output settings to check.
  } else if (raw['max_tokens'] === undefined) {
    throw new RequestError('max_tokens: Field required');
  } else if (!Number.isInteger(raw['max_tokens']) || (raw['max_tokens'] as number) < 1) {
    throw new RequestError('max_tokens: Input should be a valid integer greater than or equal to 1');
  }
  if (raw['temperature'] !== undefined && !(typeof raw['temperature'] === 'number' && raw['temperature'] >= 0 && raw['temperature'] <= 1)) {
    throw new RequestError('temperature: Input should be less than or equal to 1');
  }
  if (raw['metadata'] !== undefined) {
    if (!isRecord(raw['metadata'])) throw new RequestError('metadata: Input should be a valid dictionary');
    for (const key of Object.keys(raw['metadata'])) {
      if (key !== 'user_id') throw new RequestError(`metadata.${key}: Extra inputs are not permitted`);
    }
  }
  const stops = raw['stop_sequences'];
  if (stops !== undefined && (!Array.isArray(stops) || stops.some((stop) => typeof stop !== 'string' || stop.trim() === ''))) {
    throw new RequestError('stop_sequences: each stop sequence must be a string containing non-whitespace characters');
  }
  checkTools(raw);
  const thinking = checkThinking(raw);
  if (!Array.isArray(raw['messages'])) throw new RequestError('messages: Field required');
  if (raw['messages'].length === 0) throw new RequestError('messages: at least one message is required');
  const messages = mergeMessages(raw['messages']);
  checkToolPairing(messages);
  if (thinking) checkThinkingTurn(messages);
  return { body: raw, messages };
}

/** The Claude version a model id names (4.7 → 407; 0 when it names none), for the rules that differ by model. */
function claudeVersionOf(model: unknown): number {
  const match = /claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?!\d)/.exec(String(model));
  return match === null ? 0 : Number(match[1]) * 100 + Number(match[2] ?? 0);
}

const efforts = ['low', 'medium', 'high', 'xhigh', 'max'];

/** `thinking`, `output_config` and what they forbid; true when thinking is on (enabled or adaptive). */
function checkThinking(raw: Json): boolean {
  const version = claudeVersionOf(raw['model']);
  if (version >= 407) {
    for (const key of samplingKeys) if (raw[key] !== undefined) throw new RequestError(`\`${key}\` is deprecated for this model.`);
  } else if (version >= 401 && raw['temperature'] !== undefined && raw['top_p'] !== undefined) {
    // Opus 4.1, the 4.5 and the 4.6 models take one sampler only.
    throw new RequestError('`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
  }
  const config = raw['output_config'];
  if (config !== undefined) {
    if (!isRecord(config)) throw new RequestError('output_config: Input should be a valid dictionary');
    const effort = config['effort'];
    if (effort !== undefined && !efforts.includes(String(effort))) {
      throw new RequestError(`output_config.effort: Input should be ${efforts.map((value) => `'${value}'`).join(', ')}`);
    }
    if (effort === 'xhigh' && version < 407) throw new RequestError('output_config.effort: xhigh is not supported by this model.');
  }
  const thinking = raw['thinking'];
  if (thinking === undefined) return false;
  if (!isRecord(thinking) || !['enabled', 'disabled', 'adaptive'].includes(String(thinking['type']))) {
    throw new RequestError("thinking: Input tag does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'");
  }
  if (thinking['type'] === 'disabled') return false;
  if (thinking['type'] === 'adaptive') {
    if (version < 406) throw new RequestError('adaptive thinking is not supported on this model');
    const display = thinking['display'];
    if (display !== undefined && display !== 'summarized' && display !== 'omitted') {
      throw new RequestError("thinking.adaptive.display: Input should be 'summarized' or 'omitted'");
    }
  } else {
    if (version >= 407) throw new RequestError('"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.');
    const budget = thinking['budget_tokens'];
    if (!Number.isInteger(budget) || (budget as number) < 1024) throw new RequestError('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    if ((budget as number) >= (raw['max_tokens'] as number)) throw new RequestError('`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size');
  }
  if (raw['temperature'] !== undefined && raw['temperature'] !== 1) throw new RequestError('`temperature` may only be set to 1 when thinking is enabled or in adaptive mode. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility');
  if (raw['top_k'] !== undefined) throw new RequestError('`top_k` is not supported when thinking is enabled');
  const choice = raw['tool_choice'];
  if (isRecord(choice) && (choice['type'] === 'any' || choice['type'] === 'tool')) throw new RequestError('Thinking may not be enabled when tool_choice forces tool use.');
  return true;
}

/** With thinking on, an assistant turn whose tool calls are being answered must open with its thinking. */
function checkThinkingTurn(messages: Message[]): void {
  const last = messages[messages.length - 1];
  const previous = messages[messages.length - 2];
  if (last?.role !== 'user' || previous?.role !== 'assistant') return;
  if (!last.content.some((block) => block.type === 'tool_result')) return;
  const first = previous.content[0];
  if (first !== undefined && first.type !== 'thinking' && first.type !== 'redacted_thinking') {
    throw new RequestError(
      `messages.${messages.length - 2}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks).`,
    );
  }
}

export function checkTools(raw: Json): void {
  const tools = raw['tools'];
  const names: string[] = [];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw new RequestError('tools: Input should be a valid list');
    tools.forEach((tool: unknown, index) => {
      if (!isRecord(tool)) throw new RequestError(`tools.${index}: Input should be a valid dictionary`);
      if (tool['type'] !== undefined && tool['type'] !== 'custom') {
        checkServerTool(tool, index);
        names.push(String(tool['name']));
        return;
      }
      for (const key of Object.keys(tool)) {
        if (!toolKeys.has(key)) throw new RequestError(`tools.${index}.custom.${key}: Extra inputs are not permitted`);
      }
      const name = tool['name'];
      if (typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(name)) {
        throw new RequestError(`tools.${index}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      }
      const schema = tool['input_schema'];
      if (!isRecord(schema)) throw new RequestError(`tools.${index}.custom.input_schema: Field required`);
      if (schema['type'] !== 'object') throw new RequestError(`tools.${index}.custom.input_schema.type: Input should be 'object'`);
      names.push(name);
    });
  }
  const choice = raw['tool_choice'];
  if (choice === undefined) return;
  if (!isRecord(choice) || !['auto', 'any', 'tool', 'none'].includes(String(choice['type']))) {
    throw new RequestError("tool_choice: Input tag does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
  }
  const allowed = choice['type'] === 'none' ? ['type'] : choice['type'] === 'tool' ? ['type', 'name', 'disable_parallel_tool_use'] : ['type', 'disable_parallel_tool_use'];
  for (const key of Object.keys(choice)) {
    if (!allowed.includes(key)) throw new RequestError(`tool_choice.${String(choice['type'])}.${key}: Extra inputs are not permitted`);
  }
  if (choice['type'] === 'tool' && !names.includes(String(choice['name']))) {
    throw new RequestError(`tool_choice: Tool '${String(choice['name'])}' not found in provided tools`);
  }
}

/** A server tool (`{type: 'web_search_20250305', name: 'web_search', max_uses?}`…): a known type with its fixed name. */
function checkServerTool(tool: Json, index: number): void {
  const type = String(tool['type']);
  const name = serverTools[type];
  if (name === undefined) {
    throw new RequestError(`tools.${index}: Input tag '${type}' found using 'type' does not match any of the expected tags: 'custom', ${Object.keys(serverTools).map((known) => `'${known}'`).join(', ')}`);
  }
  if (tool['name'] !== name) throw new RequestError(`tools.${index}.${type}.name: Input should be '${name}'`);
}

/** Checks each message and merges consecutive same-role ones, as the API does. */
export function mergeMessages(input: unknown[]): Message[] {
  const merged: Message[] = [];
  input.forEach((raw, index) => {
    if (!isRecord(raw)) throw new RequestError(`messages.${index}: Input should be a valid dictionary`);
    const role = raw['role'];
    if (role === 'system') {
      throw new RequestError(
        'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.',
      );
    }
    if (role !== 'user' && role !== 'assistant') throw new RequestError(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    if (index === 0 && role !== 'user') throw new RequestError('messages: first message must use the "user" role');
    // The real API's rule: only a final assistant message (a prefill of nothing) may be empty.
    if ((raw['content'] === '' || (Array.isArray(raw['content']) && raw['content'].length === 0)) && !(role === 'assistant' && index === input.length - 1)) {
      throw new RequestError(`messages.${index}: all messages must have non-empty content except for the optional final assistant message`);
    }
    const content = typeof raw['content'] === 'string' ? (raw['content'] === '' ? [] : [{ type: 'text', text: raw['content'] }]) : raw['content'];
    if (!Array.isArray(content)) throw new RequestError(`messages.${index}.content: Field required`);
    const blocks = content.map((block: unknown, blockIndex) => checkBlock(block, role, `messages.${index}.content.${blockIndex}`));
    const last = merged[merged.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else merged.push({ role, content: blocks });
  });
  return merged;
}

export function checkBlock(block: unknown, role: 'user' | 'assistant', path: string): Block {
  if (!isRecord(block) || typeof block['type'] !== 'string') throw new RequestError(`${path}: Input should be a valid dictionary`);
  const type = block['type'];
  const keys = blockKeys[type];
  if (keys === undefined) throw new RequestError(`${path}.type: Input tag '${type}' found using 'type' does not match any of the expected tags`);
  for (const key of Object.keys(block)) {
    if (!keys.includes(key)) throw new RequestError(`${path}.${type}.${key}: Extra inputs are not permitted`);
  }
  if (type === 'text' && (typeof block['text'] !== 'string' || block['text'] === '')) {
    throw new RequestError('messages: text content blocks must be non-empty');
  }
  if (type === 'image') checkImageSource(block['source'], path);
  if (type === 'tool_use') {
    if (role !== 'assistant') throw new RequestError(`${path}: tool_use blocks are only allowed in assistant messages`);
    if (typeof block['id'] !== 'string' || typeof block['name'] !== 'string' || !isRecord(block['input'])) {
      throw new RequestError(`${path}.tool_use.input: Input should be a valid dictionary`);
    }
    // The real API's id pattern (ids from other vendors, e.g. Kimi's `functions.get:0`, are refused).
    if (!/^[a-zA-Z0-9_-]+$/.test(block['id'])) throw new RequestError(`${path}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
  }
  if (type === 'thinking' || type === 'redacted_thinking') {
    if (role !== 'assistant') throw new RequestError(`${path}: ${type} blocks are only allowed in assistant messages`);
    if (type === 'thinking' && (typeof block['thinking'] !== 'string' || block['signature'] !== signThinking(String(block['thinking'])))) {
      throw new RequestError(`${path}: Invalid \`signature\` in \`thinking\` block`);
    }
    if (type === 'redacted_thinking' && typeof block['data'] !== 'string') throw new RequestError(`${path}.redacted_thinking.data: Field required`);
  }
  if (type === 'tool_result') {
    if (role !== 'user') throw new RequestError(`${path}: tool_result blocks are only allowed in user messages`);
    if (typeof block['tool_use_id'] !== 'string') throw new RequestError(`${path}.tool_result.tool_use_id: Field required`);
    checkToolResultContent(block['content'], `${path}.tool_result.content`);
  }
  return block as Block;
}

const imageMediaTypes = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

/** An image block's `source`: base64 (of one of the four image types) or url. */
function checkImageSource(source: unknown, path: string): void {
  const valid =
    isRecord(source) &&
    ((source['type'] === 'base64' && typeof source['media_type'] === 'string' && typeof source['data'] === 'string') ||
      (source['type'] === 'url' && typeof source['url'] === 'string'));
  if (!valid) throw new RequestError(`${path}.image.source: Input should be a valid base64 or url image source`);
  if (source['type'] === 'base64' && !imageMediaTypes.includes(String(source['media_type']))) {
    throw new RequestError(`${path}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
  }
  // The API reads the image: bytes of another known format than the one named are refused.
  const actual = source['type'] === 'base64' ? imageTypeOf(String(source['data'])) : undefined;
  if (actual !== undefined && actual !== source['media_type']) {
    throw new RequestError(`${path}.image.source.base64.data: Image does not match the provided media type ${String(source['media_type'])}`);
  }
}

/** The format of base64 image data by its first bytes, or undefined when they are not one of the four. */
function imageTypeOf(data: string): string | undefined {
  const head = Buffer.from(data.slice(0, 16), 'base64');
  if (head[0] === 0x89 && head.subarray(1, 4).toString('latin1') === 'PNG') return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

/**
 * A tool_result's `content`: a string, or a list of `text` and `image` blocks (the API also takes
 * `document` and `search_result` blocks there, which the mock does not know, as in user turns).
 */
function checkToolResultContent(content: unknown, path: string): void {
  if (content === undefined || typeof content === 'string') return;
  if (!Array.isArray(content)) throw new RequestError(`${path}: Input should be a valid string or list`);
  content.forEach((block: unknown, index) => {
    const blockPath = `${path}.${index}`;
    if (!isRecord(block) || typeof block['type'] !== 'string') throw new RequestError(`${blockPath}: Input should be a valid dictionary`);
    const type = block['type'];
    if (type !== 'text' && type !== 'image') {
      throw new RequestError(`${blockPath}: Input tag '${type}' found using 'type' does not match any of the expected tags: 'text', 'image', 'search_result', 'document'`);
    }
    for (const key of Object.keys(block)) {
      if (!blockKeys[type]?.includes(key)) throw new RequestError(`${blockPath}.${type}.${key}: Extra inputs are not permitted`);
    }
    if (type === 'text' && (typeof block['text'] !== 'string' || block['text'] === '')) {
      throw new RequestError('messages: text content blocks must be non-empty');
    }
    if (type === 'image') checkImageSource(block['source'], blockPath);
  });
}

export function checkToolPairing(messages: Message[]): void {
  messages.forEach((message, index) => {
    if (message.role === 'user') {
      const previous = messages[index - 1];
      const offered = new Set(previous?.content.filter((block) => block.type === 'tool_use').map((block) => String(block['id'])));
      message.content.forEach((block, blockIndex) => {
        if (block.type === 'tool_result' && !offered.has(String(block['tool_use_id']))) {
          throw new RequestError(
            `messages.${index}.content.${blockIndex}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block['tool_use_id'])}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
      });
      return;
    }
    const ids = message.content.filter((block) => block.type === 'tool_use').map((block) => String(block['id']));
    const answered = new Set(messages[index + 1]?.content.filter((block) => block.type === 'tool_result').map((block) => String(block['tool_use_id'])));
    const missing = ids.filter((id) => !answered.has(id));
    if (missing.length > 0) {
      throw new RequestError(
        `messages.${index + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
  });
}

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
