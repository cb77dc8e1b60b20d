/** Request validation and error bodies of the OpenAI mock (openai.ts), as the real API answers them. */

export type Json = Record<string, unknown>;

export class OpenAIError extends Error {
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

export const invalid = (message: string, param: string | null = null, code: string | null = null): never => {
  throw new OpenAIError(400, message, param, code);
};

export const chatFields = new Set(
  'model messages audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens max_tokens metadata modalities n parallel_tool_calls prediction presence_penalty prompt_cache_key reasoning_effort response_format safety_identifier seed service_tier stop store stream stream_options temperature tool_choice tools top_logprobs top_p user verbosity web_search_options'.split(' '),
);
export const messageFields: Record<string, Set<string>> = {
  system: new Set(['role', 'content', 'name']),
  developer: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  assistant: new Set(['role', 'content', 'name', 'tool_calls', 'refusal', 'audio', 'function_call']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};


export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function expect(ok: boolean, param: string, expected: string, value: unknown): void {
  if (!ok) invalid(`Invalid type for '${param}': expected ${expected}, but got ${typeName(value)} instead.`, param, 'invalid_type');
}

export function range(body: Json, name: string, min: number, max: number, integer = false): void {
  const value = body[name];
  if (value === undefined) return;
  expect(typeof value === 'number' && (!integer || Number.isInteger(value)), name, integer ? 'an integer' : 'a decimal', value);
  if ((value as number) > max) invalid(`Invalid '${name}': decimal above maximum value. Expected a value <= ${max}, but got ${String(value)} instead.`, name, 'decimal_above_max_value');
  if ((value as number) < min) invalid(`Invalid '${name}': decimal below minimum value. Expected a value >= ${min}, but got ${String(value)} instead.`, name, 'decimal_below_min_value');
}

export function validateChat(body: unknown): Json {
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
  validateNativeFields(body);
  return body;
}

// OpenAI's ReasoningEffort (shared by chat completions and Responses in openai-node 6.46+).
const reasoningEfforts = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
const serviceTiers = ['auto', 'default', 'flex', 'scale', 'priority'];

/** reasoning_effort, logprobs/top_logprobs and service_tier as the real API checks them. */
function validateNativeFields(body: Json): void {
  const effort = body['reasoning_effort'];
  if (effort !== undefined && effort !== null && !reasoningEfforts.includes(String(effort))) {
    invalid(`Invalid value: '${String(effort)}'. Supported values are: ${reasoningEfforts.map((name) => `'${name}'`).join(', ')}.`, 'reasoning_effort', 'invalid_value');
  }
  if (body['logprobs'] !== undefined) expect(typeof body['logprobs'] === 'boolean', 'logprobs', 'a boolean', body['logprobs']);
  range(body, 'top_logprobs', 0, 20, true);
  if (body['top_logprobs'] !== undefined && body['logprobs'] !== true) {
    invalid("Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is specified.", 'top_logprobs');
  }
  const tier = body['service_tier'];
  if (tier !== undefined && tier !== null && !serviceTiers.includes(String(tier))) {
    invalid(`Invalid value: '${String(tier)}'. Supported values are: ${serviceTiers.map((name) => `'${name}'`).join(', ')}.`, 'service_tier', 'invalid_value');
  }
}

export function validateMessage(message: unknown, index: number): void {
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
        // The real API caps tool call ids at 40 characters.
        const id = String((call as Json)['id']);
        if (id.length > 40) invalid(`Invalid '${callAt}.id': string too long. Expected a string with maximum length 40, but got a string with length ${id.length} instead.`, `${callAt}.id`, 'string_above_max_length');
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

export function validateToolOrder(messages: Json[]): void {
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

export function validateTools(body: Json): void {
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

export function validateResponseFormat(body: Json, messages: Json[]): void {
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
