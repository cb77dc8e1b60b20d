/**
 * A strict fake of the Gemini API (`/v1beta`) on loopback, following the common mock contract in
 * README.md. Routes: `models/{model}:generateContent`, `:streamGenerateContent` (`?alt=sse` → SSE
 * with CRLF frames and no [DONE]; otherwise one JSON array), `:embedContent`,
 * `:batchEmbedContents`, `GET models[/{model}]`; anything else gets Google's HTML 404 page.
 *
 * Gemini specifics of the deterministic answers: a user text containing `BLOCKME` is blocked
 * (200, `promptFeedback.blockReason: "SAFETY"`, no candidates); a stop sequence ends with `STOP`
 * (Gemini has no stop-sequence reason); `responseMimeType: application/json` answers
 * `{"echo":"Echo: …"}`; `candidateCount` repeats the candidate; Gemini 3 models put a
 * `thoughtSignature` on function calls and reject history whose first function call of a model
 * turn has none (any non-empty value passes). Stricter than Google in one way: signatures are
 * checked in every model turn, not only in the current one. Model ids: `gemini-*`, `gemma-*` and
 * `learnlm-*` generate, `gemini-embedding*`, `text-embedding*` and `embedding*` embed; others are 404.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, startMockServer, type RecordedRequest } from '../helpers/mock-server.js';

export interface GoogleMockOptions {
  /** Accepted keys (`x-goog-api-key` header or `?key=`). Default `['test-key']`. */
  apiKeys?: string[];
  /** Pause between stream frames. Default 0. */
  chunkDelayMs?: number;
}

export interface GoogleMock {
  origin: string;
  /** `<origin>/v1beta` */
  baseUrl: string;
  requests: RecordedRequest[];
  /**
   * The next request (after routing and auth) gets this answer. `body` defaults to Google's error
   * body for the status (429: RetryInfo `7s`); a string body is sent as is (malformed-body tests).
   */
  failNext(failure: { status: number; body?: unknown; headers?: Record<string, string> }): void;
  /** The next stream sends `afterChunks` chunks, then an UNAVAILABLE error frame, then ends. */
  failNextStream(options: { afterChunks: number }): void;
  /** The next stream sends `afterChunks` chunks and then never ends. */
  hangNextStream(options: { afterChunks: number }): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

class GoogleApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(`HTTP ${status}`);
  }
}

const rpcNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const defaultMessages: Record<number, string> = {
  429: 'You exceeded your current quota, please check your plan and billing details.',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  504: 'Deadline expired before operation could complete.',
};

function googleError(status: number, message: string, details?: Json[]): GoogleApiError {
  const error: Json = { code: status, message, status: rpcNames[status] ?? 'UNKNOWN' };
  if (details) error['details'] = details;
  return new GoogleApiError(status, { error });
}

const invalid = (message: string): GoogleApiError => googleError(400, message);
const rpcType = (name: string): string => `type.googleapis.com/google.rpc.${name}`;

function defaultErrorBody(status: number): Json {
  const details =
    status === 429
      ? [
          { '@type': rpcType('QuotaFailure'), violations: [{ quotaMetric: 'generativelanguage.googleapis.com/requests' }] },
          { '@type': rpcType('RetryInfo'), retryDelay: '7s' },
        ]
      : undefined;
  return googleError(status, defaultMessages[status] ?? `Mock failure ${status}.`, details).body;
}

const invalidKeyError = (): GoogleApiError =>
  googleError(400, 'API key not valid. Please pass a valid API key.', [
    {
      '@type': rpcType('ErrorInfo'),
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': rpcType('LocalizedMessage'), locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
  ]);

const overloadedFrame = { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } };

// ---- reading proto3 JSON: camelCase and snake_case names are both accepted ----

const snake = (name: string): string => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const camel = (name: string): string => name.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (object: Json, name: string): unknown => object[name] ?? object[snake(name)];
const child = (object: Json, name: string): Json => {
  const value = field(object, name);
  return isObject(value) ? value : {};
};
const list = (object: Json, name: string): unknown[] => {
  const value = field(object, name);
  return Array.isArray(value) ? value : [];
};
const objects = (object: Json, name: string): Json[] => list(object, name).filter(isObject);

function checkFields(value: unknown, allowed: readonly string[], path: string): Json {
  if (!isObject(value)) throw invalid(`Invalid value at '${path}', expected an object.`);
  for (const key of Object.keys(value)) {
    if (allowed.includes(camel(key))) continue;
    const at = path === '' ? '' : ` at '${path}'`;
    throw invalid(`Invalid JSON payload received. Unknown name "${key}"${at}: Cannot find field.`);
  }
  return value;
}

const names = (text: string): readonly string[] => text.split(' ');
const fields = {
  request: names('model contents systemInstruction tools toolConfig generationConfig safetySettings cachedContent'),
  content: names('role parts'),
  part: names(
    'text inlineData fileData functionCall functionResponse executableCode codeExecutionResult thought ' +
      'thoughtSignature videoMetadata mediaResolution',
  ),
  partData: names('text inlineData fileData functionCall functionResponse executableCode codeExecutionResult'),
  inlineData: names('mimeType data'),
  fileData: names('mimeType fileUri'),
  functionCall: names('id name args'),
  functionResponse: names('id name response willContinue scheduling parts'),
  generationConfig: names(
    'stopSequences responseMimeType responseSchema responseJsonSchema responseModalities candidateCount ' +
      'maxOutputTokens temperature topP topK seed presencePenalty frequencyPenalty responseLogprobs logprobs ' +
      'enableEnhancedCivicAnswers speechConfig thinkingConfig mediaResolution imageConfig',
  ),
  tool: names('functionDeclarations googleSearchRetrieval codeExecution googleSearch urlContext computerUse fileSearch googleMaps'),
  functionDeclaration: names('name description behavior parameters parametersJsonSchema response responseJsonSchema'),
  toolConfig: names('functionCallingConfig retrievalConfig'),
  functionCallingConfig: names('mode allowedFunctionNames'),
  // The OpenAPI subset `Schema`: JSON-Schema-only keywords (additionalProperties, $schema…) are unknown.
  schema: names(
    'type format title description nullable enum maxItems minItems properties required minProperties ' +
      'maxProperties minLength maxLength pattern example anyOf propertyOrdering default items minimum maximum',
  ),
  embedRequest: names('model content taskType title outputDimensionality'),
};

// ---- request checks ----

function checkSchema(value: unknown, path: string): void {
  const schema = checkFields(value, fields.schema, path);
  Object.values(child(schema, 'properties')).forEach((property, index) =>
    checkSchema(property, `${path}.properties[${index}].value`),
  );
  if (field(schema, 'items') !== undefined) checkSchema(field(schema, 'items'), `${path}.items`);
  list(schema, 'anyOf').forEach((option, index) => checkSchema(option, `${path}.any_of[${index}]`));
}

function checkPart(value: unknown, path: string): void {
  const part = checkFields(value, fields.part, path);
  const required = (ok: boolean, what: string): void => {
    if (!ok) throw invalid(`* GenerateContentRequest.${path}.${what} is required\n`);
  };
  if (fields.partData.filter((name) => field(part, name) !== undefined).length !== 1) {
    throw invalid(`* GenerateContentRequest.${path}.data: required oneof field 'data' must have one initialized field\n`);
  }
  if (field(part, 'text') === '') {
    throw invalid('Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again.');
  }
  if (field(part, 'inlineData') !== undefined) {
    const blob = checkFields(field(part, 'inlineData'), fields.inlineData, `${path}.inline_data`);
    required(typeof field(blob, 'mimeType') === 'string', 'inline_data.mime_type');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(String(field(blob, 'data')))) {
      throw invalid(`Invalid value at '${path}.inline_data.data' (TYPE_BYTES), Base64 decoding failed`);
    }
  }
  if (field(part, 'fileData') !== undefined) {
    const file = checkFields(field(part, 'fileData'), fields.fileData, `${path}.file_data`);
    required(typeof field(file, 'fileUri') === 'string', 'file_data.file_uri');
  }
  if (field(part, 'functionCall') !== undefined) {
    const call = checkFields(field(part, 'functionCall'), fields.functionCall, `${path}.function_call`);
    required(typeof field(call, 'name') === 'string', 'function_call.name');
  }
  if (field(part, 'functionResponse') !== undefined) {
    const response = checkFields(field(part, 'functionResponse'), fields.functionResponse, `${path}.function_response`);
    required(typeof field(response, 'name') === 'string', 'function_response.name');
    required(isObject(field(response, 'response')), 'function_response.response');
  }
}

function checkContent(value: unknown, path: string): Json {
  const content = checkFields(value, fields.content, path);
  const role = field(content, 'role');
  if (role !== undefined && role !== 'user' && role !== 'model') throw invalid('Please use a valid role: user, model.');
  const parts = list(content, 'parts');
  if (parts.length === 0) throw invalid(`* GenerateContentRequest.${path}.parts: contents.parts must not be empty.\n`);
  parts.forEach((part, index) => checkPart(part, `${path}.parts[${index}]`));
  return content;
}

const callsOf = (content: Json): Json[] => objects(content, 'parts').filter((part) => field(part, 'functionCall') !== undefined);
const resultsOf = (content: Json): Json[] =>
  objects(content, 'parts').filter((part) => field(part, 'functionResponse') !== undefined);
const countMismatch =
  'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';

function checkTurnOrder(contents: Json[], model: string): void {
  contents.forEach((content, index) => {
    const previous = contents[index - 1];
    const firstCall = callsOf(content)[0];
    if (firstCall) {
      if (!previous || field(previous, 'role') === 'model') {
        throw invalid(
          'Please ensure that function call turn comes immediately after a user turn or after a function response turn.',
        );
      }
      const signature = field(firstCall, 'thoughtSignature');
      if (model.startsWith('gemini-3') && (typeof signature !== 'string' || signature === '')) {
        const name = String(field(child(firstCall, 'functionCall'), 'name'));
        throw invalid(
          'Function call is missing a thought_signature in functionCall parts. This is required for tools to work ' +
            `correctly. Additional data, function call \`default_api:${name}\`, position ${index + 1}. Please refer to ` +
            'https://ai.google.dev/gemini-api/docs/thought-signatures for more details.',
        );
      }
    }
    const results = resultsOf(content).length;
    const previousCalls = previous ? callsOf(previous).length : 0;
    if (results > 0 && previousCalls === 0) {
      throw invalid('Please ensure that function response turn comes immediately after a function call turn.');
    }
    if (previousCalls > 0 && results !== previousCalls) throw invalid(countMismatch);
  });
}

function checkTools(request: Json): void {
  list(request, 'tools').forEach((tool, index) => {
    list(checkFields(tool, fields.tool, `tools[${index}]`), 'functionDeclarations').forEach((value, position) => {
      const path = `tools[${index}].function_declarations[${position}]`;
      const declaration = checkFields(value, fields.functionDeclaration, path);
      const name = field(declaration, 'name');
      if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(name)) {
        throw invalid(`* GenerateContentRequest.${path}.name: Invalid function name.\n`);
      }
      const parameters = field(declaration, 'parameters');
      if (parameters !== undefined && field(declaration, 'parametersJsonSchema') !== undefined) {
        throw invalid(`* GenerateContentRequest.${path}: parameters and parameters_json_schema are mutually exclusive\n`);
      }
      if (parameters !== undefined) checkSchema(parameters, `${path}.parameters`);
    });
  });
  const toolConfig = field(request, 'toolConfig');
  if (toolConfig === undefined) return;
  const callingConfig = field(checkFields(toolConfig, fields.toolConfig, 'tool_config'), 'functionCallingConfig');
  if (callingConfig === undefined) return;
  const path = 'tool_config.function_calling_config';
  const config = checkFields(callingConfig, fields.functionCallingConfig, path);
  const mode = field(config, 'mode');
  if (mode !== undefined && !names('MODE_UNSPECIFIED AUTO ANY NONE VALIDATED').includes(String(mode))) {
    throw invalid(`Invalid value at '${path}.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.Mode), "${String(mode)}"`);
  }
  if (list(config, 'allowedFunctionNames').length > 0 && mode !== 'ANY' && mode !== 'VALIDATED') {
    throw invalid(`* GenerateContentRequest.${path}.allowed_function_names: only allowed when mode is ANY or VALIDATED.\n`);
  }
}

function checkGenerationConfig(request: Json): void {
  const value = field(request, 'generationConfig');
  if (value === undefined) return;
  const config = checkFields(value, fields.generationConfig, 'generation_config');
  const range = (name: string, min: number, max: number): void => {
    const number = field(config, name);
    if (number !== undefined && (typeof number !== 'number' || number < min || number > max)) {
      throw invalid(`* GenerateContentRequest.generation_config.${snake(name)}: must be in the range [${min}, ${max}].\n`);
    }
  };
  range('temperature', 0, 2);
  range('topP', 0, 1);
  range('candidateCount', 1, 8);
  range('maxOutputTokens', 1, 65536);
  if (list(config, 'stopSequences').length > 5) {
    throw invalid('* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences are allowed.\n');
  }
  if (field(config, 'responseSchema') !== undefined) {
    checkSchema(field(config, 'responseSchema'), 'generation_config.response_schema');
  }
  const hasSchema = field(config, 'responseSchema') !== undefined || field(config, 'responseJsonSchema') !== undefined;
  const mimeType = field(config, 'responseMimeType');
  if (hasSchema && mimeType !== 'application/json' && mimeType !== 'text/x.enum') {
    throw invalid('* GenerateContentRequest.generation_config.response_mime_type: must be application/json with a schema.\n');
  }
}

function checkGenerateRequest(body: unknown, model: string): Json {
  const request = checkFields(body, fields.request, '');
  const contents = list(request, 'contents').map((content, index) => checkContent(content, `contents[${index}]`));
  if (contents.length === 0) throw invalid('* GenerateContentRequest.contents: contents is not specified\n');
  if (field(request, 'systemInstruction') !== undefined) checkContent(field(request, 'systemInstruction'), 'system_instruction');
  checkTurnOrder(contents, model);
  checkTools(request);
  checkGenerationConfig(request);
  return request;
}

// ---- deterministic answers ----

interface Answer {
  blocked: boolean;
  text?: string;
  call?: { name: string; args: Json };
  finishReason: string;
  promptTokens: number;
  outputTokens: number;
  cached: boolean;
}

const wordCount = (text: string): number => text.split(/\s+/).filter(Boolean).length;
const textsOf = (content: Json): string[] =>
  objects(content, 'parts').flatMap((part) => (typeof part['text'] === 'string' ? [part['text']] : []));

/** A function result as text: its `content` string, else its JSON. */
function resultText(part: Json): string {
  const response = field(child(part, 'functionResponse'), 'response');
  return isObject(response) && typeof response['content'] === 'string' ? response['content'] : JSON.stringify(response);
}

function answer(request: Json): Answer {
  const contents = objects(request, 'contents');
  const systemTexts = textsOf(child(request, 'systemInstruction'));
  let promptTokens = wordCount(systemTexts.join(' '));
  for (const content of contents) {
    promptTokens += wordCount(textsOf(content).join(' '));
    for (const part of resultsOf(content)) promptTokens += wordCount(resultText(part));
  }
  const base = { promptTokens, cached: systemTexts.some((text) => text.includes('cache')) };
  const last = [...contents].reverse().find((content) => field(content, 'role') !== 'model') ?? {};
  const texts = textsOf(last);
  const userText = texts.join(' ');
  if (userText.includes('BLOCKME')) return { ...base, blocked: true, finishReason: 'SAFETY', outputTokens: 0 };

  const declarations = objects(request, 'tools').flatMap((tool) => objects(tool, 'functionDeclarations'));
  const callingConfig = child(child(request, 'toolConfig'), 'functionCallingConfig');
  if (declarations.length > 0 && texts.length > 0 && field(callingConfig, 'mode') !== 'NONE') {
    const name = String(list(callingConfig, 'allowedFunctionNames')[0] ?? field(declarations[0] ?? {}, 'name'));
    const args = { query: userText };
    const outputTokens = wordCount(JSON.stringify(args));
    return { ...base, blocked: false, call: { name, args }, finishReason: 'STOP', outputTokens };
  }

  const results = resultsOf(last);
  const lastResult = results[results.length - 1];
  let text = `Echo: ${texts.length > 0 || !lastResult ? userText : resultText(lastResult)}`;
  for (const part of objects(last, 'parts')) {
    if (isObject(field(part, 'inlineData'))) text += ` [image:${String(field(child(part, 'inlineData'), 'mimeType'))}]`;
    if (isObject(field(part, 'fileData'))) text += ` [image:${String(field(child(part, 'fileData'), 'fileUri'))}]`;
  }
  const config = child(request, 'generationConfig');
  if (field(config, 'responseMimeType') === 'application/json') text = JSON.stringify({ echo: text });
  let finishReason = 'STOP';
  for (const stop of list(config, 'stopSequences')) {
    const at = text.indexOf(String(stop));
    if (at !== -1) text = text.slice(0, at);
  }
  const limit = field(config, 'maxOutputTokens');
  if (typeof limit === 'number' && wordCount(text) > limit) {
    text = splitWords(text).slice(0, limit).join('');
    finishReason = 'MAX_TOKENS';
  }
  return { ...base, blocked: false, text, finishReason, outputTokens: wordCount(text) };
}

/** `"Echo: a b"` → `["Echo:", " a", " b"]`: the stream's deltas. */
const splitWords = (text: string): string[] => text.split(/(?= )/).filter((word) => word !== '');

function usage(answer: Answer, outputTokens: number): Json {
  const metadata: Json = {
    promptTokenCount: answer.promptTokens,
    candidatesTokenCount: outputTokens,
    totalTokenCount: answer.promptTokens + outputTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: answer.promptTokens }],
  };
  if (answer.cached) metadata['cachedContentTokenCount'] = 3;
  return metadata;
}

/** The response chunks of a stream: one per word, or one whole function call. */
function streamChunks(result: Answer, envelope: Json, signature: Json): Json[] {
  if (result.blocked) return [{ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: usage(result, 0), ...envelope }];
  if (result.call) {
    const content = { parts: [{ functionCall: result.call, ...signature }], role: 'model' };
    return [{ candidates: [{ content, finishReason: 'STOP', index: 0 }], usageMetadata: usage(result, result.outputTokens), ...envelope }];
  }
  const words = splitWords(result.text ?? '');
  let sent = '';
  return words.map((word, index) => {
    sent += word;
    const candidate: Json = { content: { parts: [{ text: word }], role: 'model' }, index: 0 };
    if (index === words.length - 1) candidate['finishReason'] = result.finishReason;
    return { candidates: [candidate], usageMetadata: usage(result, wordCount(sent)), ...envelope };
  });
}

// ---- embeddings ----

const taskTypes = names(
  'TASK_TYPE_UNSPECIFIED RETRIEVAL_QUERY RETRIEVAL_DOCUMENT SEMANTIC_SIMILARITY CLASSIFICATION CLUSTERING ' +
    'QUESTION_ANSWERING FACT_VERIFICATION CODE_RETRIEVAL_QUERY',
);

function embedding(value: unknown, path: string, model: string, batched: boolean): { values: number[] } {
  const request = checkFields(value, fields.embedRequest, path);
  const prefix = path === '' ? '' : `${path}.`;
  if (batched && field(request, 'model') !== `models/${model}`) {
    throw invalid(`* BatchEmbedContentsRequest.${prefix}model: must be the model of the URL (models/${model}).\n`);
  }
  const taskType = field(request, 'taskType');
  if (taskType !== undefined && !taskTypes.includes(String(taskType))) {
    throw invalid(`Invalid value at '${prefix}task_type' (type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType), "${String(taskType)}"`);
  }
  const dimensions = field(request, 'outputDimensionality') ?? 8;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 3072) {
    throw invalid(`* ${prefix}output_dimensionality: must be between 1 and 3072.\n`);
  }
  const text = textsOf(child(request, 'content')).join('');
  if (text === '') throw invalid(`* ${prefix}content: content is required\n`);
  let sum = 0;
  for (let index = 0; index < text.length; index++) sum += text.charCodeAt(index);
  return { values: Array.from({ length: dimensions }, (_unused, index) => ((sum + index) % 100) / 100) };
}

// ---- server ----

const embeddingModel = /^(gemini-embedding|text-embedding|embedding)/;
const generationModel = /^(gemini|gemma|learnlm)-/;
const methods = names('generateContent streamGenerateContent embedContent batchEmbedContents');
const listedModels = ['gemini-2.5-flash', 'gemini-3-pro-preview', 'gemini-embedding-001'].map((id) => ({
  name: `models/${id}`,
  displayName: id,
  supportedGenerationMethods: embeddingModel.test(id)
    ? ['embedContent', 'batchEmbedContents']
    : ['generateContent', 'countTokens', 'streamGenerateContent'],
}));

function sendHtml404(response: ServerResponse, path: string): void {
  const escaped = path.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
  response.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
  response.end(
    '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n' +
      `  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${escaped}</code> was not found ` +
      'on this server.  <ins>That’s all we know.</ins>\n',
  );
}

export async function startGoogleMock(options: GoogleMockOptions = {}): Promise<GoogleMock> {
  const apiKeys = options.apiKeys ?? ['test-key'];
  let nextFailure: { status: number; body?: unknown; headers?: Record<string, string> } | undefined;
  let nextStream: { kind: 'fail' | 'hang'; afterChunks: number } | undefined;
  let responseCounter = 0;

  async function stream(response: ServerResponse, chunks: Json[], sse: boolean): Promise<void> {
    const plan = nextStream;
    nextStream = undefined;
    const sent = plan ? chunks.slice(0, plan.afterChunks) : chunks;
    if (plan?.kind === 'fail') sent.push(overloadedFrame);
    response.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/json' });
    for (const [index, chunk] of sent.entries()) {
      if (response.destroyed) return;
      const json = JSON.stringify(chunk);
      response.write(sse ? `data: ${json}\r\n\r\n` : `${index === 0 ? '[' : ',\r\n'}${json}`);
      await new Promise((resolve) => setTimeout(resolve, options.chunkDelayMs ?? 0));
    }
    if (plan?.kind !== 'hang') response.end(sse ? '' : sent.length === 0 ? '[]' : ']');
  }

  async function handle(
    request: RecordedRequest,
    response: ServerResponse,
    url: URL,
    model: string | undefined,
    method: string | undefined,
  ): Promise<void> {
    const key = request.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? '';
    if (key === '') {
      throw googleError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). " +
          'Please use API Key or other form of API consumer identity to call this API.',
      );
    }
    if (typeof key !== 'string' || !apiKeys.includes(key)) throw invalidKeyError();
    if (nextFailure) {
      const { status, body = defaultErrorBody(status), headers } = nextFailure;
      nextFailure = undefined;
      if (typeof body !== 'string') return sendJson(response, status, body, headers);
      response.writeHead(status, { 'content-type': 'text/plain', ...headers });
      return void response.end(body);
    }
    if (model === undefined) return sendJson(response, 200, { models: listedModels });
    if (method === undefined) {
      const found = listedModels.find((entry) => entry.name === `models/${model}`);
      if (!found) throw googleError(404, `models/${model} is not found for API version v1beta, or is not supported for get.`);
      return sendJson(response, 200, found);
    }
    const embeds = method === 'embedContent' || method === 'batchEmbedContents';
    if (embeds ? !embeddingModel.test(model) : embeddingModel.test(model) || !generationModel.test(model)) {
      throw googleError(
        404,
        `models/${model} is not found for API version v1beta, or is not supported for ${method}. ` +
          'Call ListModels to see the list of available models and their supported methods.',
      );
    }
    if (!isObject(request.body)) throw invalid('Invalid JSON payload received. Unexpected token.');
    if (method === 'embedContent') return sendJson(response, 200, { embedding: embedding(request.body, '', model, false) });
    if (method === 'batchEmbedContents') {
      const requests = list(checkFields(request.body, ['requests'], ''), 'requests');
      if (requests.length === 0 || requests.length > 100) {
        throw invalid('* BatchEmbedContentsRequest.requests: between 1 and 100 requests are allowed in one batch.\n');
      }
      const embeddings = requests.map((entry, index) => embedding(entry, `requests[${index}]`, model, true));
      return sendJson(response, 200, { embeddings });
    }

    const body = checkGenerateRequest(request.body, model);
    const result = answer(body);
    const envelope = { modelVersion: model, responseId: `mock-response-${++responseCounter}` };
    const signatureValue = Buffer.from(`signature-${responseCounter}`).toString('base64');
    const signature = model.startsWith('gemini-3') ? { thoughtSignature: signatureValue } : {};
    if (method === 'streamGenerateContent') {
      return stream(response, streamChunks(result, envelope, signature), url.searchParams.get('alt') === 'sse');
    }
    if (result.blocked) {
      return sendJson(response, 200, { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: usage(result, 0), ...envelope });
    }
    const part = result.call ? { functionCall: result.call, ...signature } : { text: result.text };
    const count = field(child(body, 'generationConfig'), 'candidateCount');
    const candidateCount = typeof count === 'number' ? count : 1;
    const candidates = Array.from({ length: candidateCount }, (_unused, index) => ({
      content: { parts: [part], role: 'model' },
      finishReason: result.finishReason,
      index,
    }));
    sendJson(response, 200, { candidates, usageMetadata: usage(result, result.outputTokens * candidateCount), ...envelope });
  }

  const server = await startMockServer(async (request, response) => {
    const url = new URL(request.url, 'http://mock');
    const route = /^\/v1beta\/models(?:\/([^/:]+)(?::(\w+))?)?$/.exec(url.pathname);
    const model = route?.[1] === undefined ? undefined : decodeURIComponent(route[1]);
    const method = route?.[2];
    const known =
      route !== null &&
      (request.method === 'GET' ? method === undefined : model !== undefined && methods.includes(method ?? ''));
    if (!known) return sendHtml404(response, url.pathname);
    try {
      await handle(request, response, url, model, method);
    } catch (error) {
      if (!(error instanceof GoogleApiError)) throw error;
      sendJson(response, error.status, error.body);
    }
  });

  return {
    origin: server.origin,
    baseUrl: `${server.origin}/v1beta`,
    requests: server.requests,
    failNext: (failure) => {
      nextFailure = failure;
    },
    failNextStream: ({ afterChunks }) => {
      nextStream = { kind: 'fail', afterChunks };
    },
    hangNextStream: ({ afterChunks }) => {
      nextStream = { kind: 'hang', afterChunks };
    },
    close: () => server.close(),
  };
}
