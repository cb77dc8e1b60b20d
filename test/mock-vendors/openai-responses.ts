/**
 * The OpenAI mock's Responses API (`POST /v1/responses`), strict like the real one: a JSON object
 * with a string `model` and an `input` (string or item list), no unknown fields; it answers a real
 * `response` object, or typed SSE events (`event:` + `data:` with `type` and an increasing
 * `sequence_number`, no `[DONE]`).
 *
 * Deterministic answers (the mock contract): `Echo: ` + the last user text, or one call of the first
 * function tool with `{"query": "<last user text>"}` when tools are offered and the last item is a
 * user message; a `reasoning.effort` other than `none` adds a reasoning item (summary
 * `Thinking about: <text>`) and 7 reasoning tokens. A `web_search*` tool searches once per word
 * `search` of the last user text: a `web_search_call` item each (`action: {type: 'search', query}`;
 * streamed as `output_item.added`, `web_search_call.in_progress|searching|completed`,
 * `output_item.done`), then the echo text instead of a function call.
 *
 * A `function_call` or `function_call_output` item's `call_id` is at most 64 characters (400
 * `string_above_max_length`, as the real API answers).
 *
 * Kept state, as the real API has it under `store: false` (the mock keeps nothing, whatever the
 * `store`): an `item_reference` input item, or a `reasoning` input item without
 * `encrypted_content`, names an item that was never kept: 404 `Item with id '…' not found`.
 * `include: ["reasoning.encrypted_content"]` puts `encrypted_content` on reasoning output items,
 * for a reasoning model (id `o<digit>…` or `gpt-5…`) only; for another model it is a 400. A
 * replayed `encrypted_content` must be the mock's own.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { sendJson, sendSse } from '../helpers/mock-server.js';
import { expect, invalid, isObject, type Json, OpenAIError, range } from './openai-checks.js';

const responsesFields = new Set(
  'model input instructions tools tool_choice text max_output_tokens reasoning temperature top_p parallel_tool_calls metadata stream stream_options store previous_response_id include truncation user safety_identifier prompt_cache_key service_tier background max_tool_calls prompt top_logprobs conversation'.split(' '),
);
const efforts = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
const includable = new Set(
  'file_search_call.results web_search_call.results web_search_call.action.sources message.input_image.image_url computer_call_output.output.image_url code_interpreter_call.outputs reasoning.encrypted_content message.output_text.logprobs'.split(' '),
);
const ENCRYPTED_REASONING = 'reasoning.encrypted_content';
/** The prefix of the mock's `encrypted_content` (OpenAI's are opaque Fernet-like tokens). */
const sealedPrefix = 'gAAAAAmock.';

/** Models that reason (and so can return encrypted reasoning), by OpenAI's naming. */
const isReasoningModel = (model: unknown): boolean => typeof model === 'string' && /^(o\d|gpt-5)/.test(model);

const notFound = (id: unknown, store: unknown): never => {
  const kept = store === false ? ' Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input.' : '';
  throw new OpenAIError(404, `Item with id '${String(id)}' not found.${kept}`, 'input');
};
const created = 1_767_225_600;
const reasoningTokens = 7;

/** Validates a Responses body as the real API does (throws OpenAIError). */
export function validateResponses(body: unknown): Json {
  if (!isObject(body)) return invalid('We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.');
  for (const key of Object.keys(body)) if (!responsesFields.has(key)) invalid(`Unknown parameter: '${key}'.`, key, 'unknown_parameter');
  for (const name of ['model', 'input']) {
    if (body[name] === undefined) invalid(`Missing required parameter: '${name}'.`, name, 'missing_required_parameter');
  }
  expect(typeof body['model'] === 'string', 'model', 'a string', body['model']);
  const input = body['input'];
  expect(typeof input === 'string' || Array.isArray(input), 'input', 'a string or an array', input);
  if (Array.isArray(input)) {
    input.forEach((item, index) => {
      if (!isObject(item)) invalid(`Invalid type for 'input[${index}]': expected an object.`, `input[${index}]`, 'invalid_type');
      const type = item['type'] ?? 'message';
      if (!['message', 'function_call', 'function_call_output', 'reasoning', 'item_reference'].includes(String(type))) {
        invalid(`Invalid value: '${String(type)}'.`, `input[${index}].type`, 'invalid_value');
      }
      if (type === 'item_reference') {
        expect(typeof item['id'] === 'string', `input[${index}].id`, 'a string', item['id']);
        notFound(item['id'], body['store']);
      }
      if (type === 'function_call' || type === 'function_call_output') checkCallId(item['call_id'], `input[${index}].call_id`);
      if (type === 'function_call_output') checkFunctionCallOutput(item['output'], `input[${index}].output`);
      if (type === 'reasoning') {
        const sealed = item['encrypted_content'];
        if (sealed === undefined || sealed === null) notFound(item['id'], body['store']);
        if (typeof sealed !== 'string' || !sealed.startsWith(sealedPrefix)) {
          throw new OpenAIError(400, `The encrypted content for item ${String(item['id'])} could not be verified.`, null, 'invalid_encrypted_content');
        }
      }
    });
  }
  const include = body['include'];
  if (include !== undefined && include !== null) {
    expect(Array.isArray(include), 'include', 'an array', include);
    (include as unknown[]).forEach((entry, index) => {
      if (typeof entry !== 'string' || !includable.has(entry)) {
        invalid(`Invalid value: '${String(entry)}'. Supported values are: ${[...includable].map((name) => `'${name}'`).join(', ')}.`, `include[${index}]`, 'invalid_value');
      }
    });
    if ((include as unknown[]).includes(ENCRYPTED_REASONING) && !isReasoningModel(body['model'])) {
      invalid('Encrypted content is not supported with this model.', 'include', 'unsupported_parameter');
    }
  }
  const reasoning = body['reasoning'];
  if (reasoning !== undefined && reasoning !== null) {
    expect(isObject(reasoning), 'reasoning', 'an object', reasoning);
    const effort = (reasoning as Json)['effort'];
    if (effort !== undefined && effort !== null && !efforts.includes(String(effort))) {
      invalid(`Invalid value: '${String(effort)}'. Supported values are: ${efforts.map((name) => `'${name}'`).join(', ')}.`, 'reasoning.effort', 'invalid_value');
    }
  }
  range(body, 'max_output_tokens', 16, 1_000_000, true);
  range(body, 'temperature', 0, 2);
  range(body, 'top_p', 0, 1);
  return body;
}

/** A function call's `call_id`: a string of at most 64 characters, as the real API caps it. */
function checkCallId(id: unknown, at: string): void {
  expect(typeof id === 'string', at, 'a string', id);
  const length = (id as string).length;
  if (length > 64) invalid(`Invalid '${at}': string too long. Expected a string with maximum length 64, but got a string with length ${length} instead.`, at, 'string_above_max_length');
}

const outputPartTypes = ['input_text', 'input_image', 'input_file'];

/** A function_call_output's `output`: a string, or `input_text`, `input_image` and `input_file` parts. */
function checkFunctionCallOutput(output: unknown, at: string): void {
  expect(typeof output === 'string' || Array.isArray(output), at, 'a string or an array', output);
  if (typeof output === 'string') return;
  (output as unknown[]).forEach((part, index) => {
    const partAt = `${at}[${index}]`;
    const type = isObject(part) ? part['type'] : undefined;
    if (!isObject(part) || typeof type !== 'string' || !outputPartTypes.includes(type)) {
      invalid(`Invalid value: '${String(type)}'. Supported values are: ${outputPartTypes.map((name) => `'${name}'`).join(', ')}.`, `${partAt}.type`, 'invalid_value');
      return;
    }
    if (type === 'input_text') expect(typeof part['text'] === 'string', `${partAt}.text`, 'a string', part['text']);
    if (type === 'input_image') {
      const ok = typeof part['image_url'] === 'string' || typeof part['file_id'] === 'string';
      if (!ok) invalid(`Missing required parameter: '${partAt}.image_url'.`, `${partAt}.image_url`, 'missing_required_parameter');
      const detail = part['detail'];
      if (detail !== undefined && detail !== null && !['auto', 'low', 'high', 'original'].includes(String(detail))) {
        invalid(`Invalid value: '${String(detail)}'. Supported values are: 'auto', 'low', 'high', and 'original'.`, `${partAt}.detail`, 'invalid_value');
      }
    }
  });
}

/** A function_call_output's text, with ` [image:<url head>]` per image (the mock's echo of a screenshot). */
function textOfOutput(output: unknown): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) return '';
  return output
    .filter(isObject)
    .map((part) => (part['type'] === 'input_image' ? `[image:${String(part['image_url'] ?? part['file_id']).slice(0, 22)}]` : String(part['text'] ?? '')))
    .join(' ');
}

function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((part): part is Json => isObject(part) && (part['type'] === 'input_text' || part['type'] === 'output_text'))
    .map((part) => String(part['text']))
    .join(' ');
}

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;
/** Times the word `search` appears in `text` (any case). */
const searchWords = (text: string): number => text.split(/\s+/).filter((word) => word.toLowerCase() === 'search').length;

/** The `response` object for a validated body. */
export function responseObject(body: Json, counter: number): Json {
  const input = typeof body['input'] === 'string' ? [{ role: 'user', content: body['input'] }] : (body['input'] as Json[]);
  const last = input[input.length - 1] ?? {};
  const lastUser = [...input].reverse().find((item) => (item['type'] ?? 'message') === 'message' && item['role'] === 'user');
  const userText = textOfContent(lastUser?.['content']);
  const tools = Array.isArray(body['tools']) ? (body['tools'] as Json[]) : [];
  const effort = isObject(body['reasoning']) ? body['reasoning']['effort'] : undefined;
  const thinks = typeof effort === 'string' && effort !== 'none';
  const output: Json[] = [];
  if (thinks) {
    const summary = `Thinking about: ${userText}`;
    const item: Json = { id: `rs_mock${counter}`, type: 'reasoning', summary: [{ type: 'summary_text', text: summary }] };
    const include = Array.isArray(body['include']) ? (body['include'] as unknown[]) : [];
    if (include.includes(ENCRYPTED_REASONING)) item['encrypted_content'] = sealedPrefix + Buffer.from(summary).toString('base64url');
    output.push(item);
  }
  let outputText = '';
  const lastIsUser = (last['type'] ?? 'message') === 'message' && last['role'] === 'user';
  // Web search: one web_search_call per word `search` in the last user text, before the answer.
  const searches = lastIsUser && body['tool_choice'] !== 'none' && tools.some((tool) => String(tool['type']).startsWith('web_search')) ? searchWords(userText) : 0;
  for (let index = 0; index < searches; index += 1) {
    output.push({ id: `ws_mock${counter}_${index + 1}`, type: 'web_search_call', status: 'completed', action: { type: 'search', query: userText } });
  }
  // The API runs web search itself: never answered with a function_call.
  const functions = tools.filter((tool) => !String(tool['type']).startsWith('web_search'));
  if (searches === 0 && functions.length > 0 && lastIsUser && body['tool_choice'] !== 'none') {
    const args = JSON.stringify({ query: userText });
    output.push({ id: `fc_mock${counter}`, type: 'function_call', status: 'completed', call_id: `call_mock${counter}`, name: functions[0]?.['name'], arguments: args });
    outputText = args;
  } else {
    const text = `Echo: ${last['type'] === 'function_call_output' ? textOfOutput(last['output']) : userText}`;
    output.push({
      id: `msg_mock${counter}`,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    });
    outputText = text;
  }
  const inputTokens = input.reduce((sum, item) => sum + words(textOfContent(item['content'])), words(String(body['instructions'] ?? '')));
  const outputTokens = words(outputText) + (thinks ? reasoningTokens : 0);
  return {
    id: `resp_mock${counter}`,
    object: 'response',
    created_at: created,
    status: 'completed',
    error: null,
    incomplete_details: null,
    instructions: body['instructions'] ?? null,
    model: body['model'],
    output,
    parallel_tool_calls: body['parallel_tool_calls'] ?? true,
    reasoning: { effort: effort ?? null, summary: null },
    store: body['store'] ?? true,
    temperature: body['temperature'] ?? 1,
    text: body['text'] ?? { format: { type: 'text' } },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools,
    top_p: body['top_p'] ?? 1,
    metadata: body['metadata'] ?? {},
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: thinks ? reasoningTokens : 0 },
      total_tokens: inputTokens + outputTokens,
    },
  };
}

/**
 * Answers a validated Responses body, as JSON or as the typed event stream. `hang`: the stream
 * stops before `response.completed` (the event with the usage) and never ends.
 */
export async function answerResponses(response: ServerResponse, body: Json, counter: number, hang = false): Promise<void> {
  const done = responseObject(body, counter);
  if (body['stream'] !== true) return sendJson(response, 200, done);
  let sequence = 0;
  const frames: string[] = [];
  const emit = (type: string, data: Json): void => {
    frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  };
  const pending = { ...done, status: 'in_progress', output: [], usage: null };
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });
  (done['output'] as Json[]).forEach((item, outputIndex) => {
    const itemId = String(item['id']);
    if (item['type'] === 'message') {
      emit('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } });
      const text = String(((item['content'] as Json[])[0] as Json)['text']);
      const emptyPart = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      emit('response.content_part.added', { item_id: itemId, output_index: outputIndex, content_index: 0, part: emptyPart });
      text.split(/(?=\s)/).forEach((delta) => emit('response.output_text.delta', { item_id: itemId, output_index: outputIndex, content_index: 0, delta, logprobs: [] }));
      emit('response.output_text.done', { item_id: itemId, output_index: outputIndex, content_index: 0, text, logprobs: [] });
      emit('response.content_part.done', { item_id: itemId, output_index: outputIndex, content_index: 0, part: { ...emptyPart, text } });
    } else if (item['type'] === 'function_call') {
      emit('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', arguments: '' } });
      const args = String(item['arguments']);
      const cut = Math.ceil(args.length / 2);
      for (const delta of [args.slice(0, cut), args.slice(cut)]) emit('response.function_call_arguments.delta', { item_id: itemId, output_index: outputIndex, delta });
      emit('response.function_call_arguments.done', { item_id: itemId, output_index: outputIndex, name: item['name'], arguments: args });
    } else if (item['type'] === 'web_search_call') {
      const { action: _action, ...started } = item;
      emit('response.output_item.added', { output_index: outputIndex, item: { ...started, status: 'in_progress' } });
      for (const phase of ['in_progress', 'searching', 'completed']) emit(`response.web_search_call.${phase}`, { item_id: itemId, output_index: outputIndex });
    } else {
      emit('response.output_item.added', { output_index: outputIndex, item: { ...item, summary: [] } });
    }
    emit('response.output_item.done', { output_index: outputIndex, item });
  });
  if (hang) {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const frame of frames) response.write(frame);
    return; // never ends; close() or the client's abort tears the connection down
  }
  emit('response.completed', { response: done });
  return sendSse(response, frames);
}
