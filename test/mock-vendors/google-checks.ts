/** Request checks and error bodies of the Gemini mock (google.ts), as the real API answers them. */

export type Json = Record<string, unknown>;

export class GoogleApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(`HTTP ${status}`);
  }
}

export const rpcNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export const defaultMessages: Record<number, string> = {
  429: 'You exceeded your current quota, please check your plan and billing details.',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  504: 'Deadline expired before operation could complete.',
};

export function googleError(status: number, message: string, details?: Json[]): GoogleApiError {
  const error: Json = { code: status, message, status: rpcNames[status] ?? 'UNKNOWN' };
  if (details) error['details'] = details;
  return new GoogleApiError(status, { error });
}

export const invalid = (message: string): GoogleApiError => googleError(400, message);
export const rpcType = (name: string): string => `type.googleapis.com/google.rpc.${name}`;

export function defaultErrorBody(status: number): Json {
  const details =
    status === 429
      ? [
          { '@type': rpcType('QuotaFailure'), violations: [{ quotaMetric: 'generativelanguage.googleapis.com/requests' }] },
          { '@type': rpcType('RetryInfo'), retryDelay: '7s' },
        ]
      : undefined;
  return googleError(status, defaultMessages[status] ?? `Mock failure ${status}.`, details).body;
}

export const invalidKeyError = (): GoogleApiError =>
  googleError(400, 'API key not valid. Please pass a valid API key.', [
    {
      '@type': rpcType('ErrorInfo'),
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': rpcType('LocalizedMessage'), locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
  ]);

export const overloadedFrame = { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } };

// ---- reading proto3 JSON: camelCase and snake_case names are both accepted ----

export const snake = (name: string): string => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
export const camel = (name: string): string => name.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const field = (object: Json, name: string): unknown => object[name] ?? object[snake(name)];
export const child = (object: Json, name: string): Json => {
  const value = field(object, name);
  return isObject(value) ? value : {};
};
export const list = (object: Json, name: string): unknown[] => {
  const value = field(object, name);
  return Array.isArray(value) ? value : [];
};
export const objects = (object: Json, name: string): Json[] => list(object, name).filter(isObject);

export function checkFields(value: unknown, allowed: readonly string[], path: string): Json {
  if (!isObject(value)) throw invalid(`Invalid value at '${path}', expected an object.`);
  for (const key of Object.keys(value)) {
    if (allowed.includes(camel(key))) continue;
    const at = path === '' ? '' : ` at '${path}'`;
    throw invalid(`Invalid JSON payload received. Unknown name "${key}"${at}: Cannot find field.`);
  }
  return value;
}

export const names = (text: string): readonly string[] => text.split(' ');
export const fields = {
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
  functionResponsePart: names('inlineData fileData'),
  functionResponseBlob: names('mimeType data displayName'),
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

export function checkSchema(value: unknown, path: string): void {
  const schema = checkFields(value, fields.schema, path);
  Object.values(child(schema, 'properties')).forEach((property, index) =>
    checkSchema(property, `${path}.properties[${index}].value`),
  );
  if (field(schema, 'items') !== undefined) checkSchema(field(schema, 'items'), `${path}.items`);
  list(schema, 'anyOf').forEach((option, index) => checkSchema(option, `${path}.any_of[${index}]`));
}

export function checkPart(value: unknown, path: string): void {
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
    list(response, 'parts').forEach((media, index) => checkFunctionResponsePart(media, `${path}.function_response.parts[${index}]`));
  }
}

/** MIME types a multimodal function response may carry (https://ai.google.dev/gemini-api/docs/function-calling#multimodal). */
export const functionResponseMimeTypes = names('image/png image/jpeg image/webp application/pdf text/plain');

/** One media part of a function response: inline data only (the Gemini API takes no `fileData` there). */
function checkFunctionResponsePart(value: unknown, path: string): void {
  const part = checkFields(value, fields.functionResponsePart, path);
  if (field(part, 'fileData') !== undefined) throw invalid(`* GenerateContentRequest.${path}.file_data: file_data is not supported in the Gemini API.\n`);
  if (field(part, 'inlineData') === undefined) {
    throw invalid(`* GenerateContentRequest.${path}.data: required oneof field 'data' must have one initialized field\n`);
  }
  const blob = checkFields(field(part, 'inlineData'), fields.functionResponseBlob, `${path}.inline_data`);
  const mimeType = field(blob, 'mimeType');
  if (typeof mimeType !== 'string') throw invalid(`* GenerateContentRequest.${path}.inline_data.mime_type is required\n`);
  if (!functionResponseMimeTypes.includes(mimeType)) {
    throw invalid(`Unsupported MIME type in a function response part: ${mimeType}. Supported: ${functionResponseMimeTypes.join(', ')}.`);
  }
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(String(field(blob, 'data')))) {
    throw invalid(`Invalid value at '${path}.inline_data.data' (TYPE_BYTES), Base64 decoding failed`);
  }
}

/** Media in a function response is Gemini 3 and later only; earlier models answer 400. */
function checkMultimodalFunctionResponses(contents: Json[], model: string): void {
  if (/^gemini-([3-9]|\d{2,})/.test(model)) return;
  const multimodal = contents.some((content) => resultsOf(content).some((part) => list(child(part, 'functionResponse'), 'parts').length > 0));
  if (multimodal) throw invalid('Multimodal function responses are not supported for this model.');
}

export function checkContent(value: unknown, path: string): Json {
  const content = checkFields(value, fields.content, path);
  const role = field(content, 'role');
  if (role !== undefined && role !== 'user' && role !== 'model') throw invalid('Please use a valid role: user, model.');
  const parts = list(content, 'parts');
  if (parts.length === 0) throw invalid(`* GenerateContentRequest.${path}.parts: contents.parts must not be empty.\n`);
  parts.forEach((part, index) => checkPart(part, `${path}.parts[${index}]`));
  return content;
}

export const callsOf = (content: Json): Json[] => objects(content, 'parts').filter((part) => field(part, 'functionCall') !== undefined);
export const resultsOf = (content: Json): Json[] =>
  objects(content, 'parts').filter((part) => field(part, 'functionResponse') !== undefined);
export const countMismatch =
  'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';

export function checkTurnOrder(contents: Json[], model: string): void {
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
    if (previous) checkResultIds(previous, content);
  });
}

/** A `functionResponse.id` must name a call of the turn it answers (the mock's wording; Google documents the pairing, not its error). */
function checkResultIds(calls: Json, results: Json): void {
  const ids = new Set(callsOf(calls).map((part) => field(child(part, 'functionCall'), 'id')));
  for (const part of resultsOf(results)) {
    const id = field(child(part, 'functionResponse'), 'id');
    if (id !== undefined && !ids.has(id)) {
      throw invalid(`Please ensure that function response id ${JSON.stringify(id)} matches the id of a function call of the function call turn.`);
    }
  }
}

export function checkTools(request: Json): void {
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

export function checkGenerationConfig(request: Json): void {
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
  checkThinkingConfig(config);
  const hasSchema = field(config, 'responseSchema') !== undefined || field(config, 'responseJsonSchema') !== undefined;
  const mimeType = field(config, 'responseMimeType');
  if (hasSchema && mimeType !== 'application/json' && mimeType !== 'text/x.enum') {
    throw invalid('* GenerateContentRequest.generation_config.response_mime_type: must be application/json with a schema.\n');
  }
}

/** `thinkingConfig`: known fields only, a budget in [-1, 32768] or a level, never both. */
function checkThinkingConfig(config: Json): void {
  const value = field(config, 'thinkingConfig');
  if (value === undefined) return;
  const thinking = checkFields(value, names('thinkingBudget thinkingLevel includeThoughts'), 'generation_config.thinking_config');
  const budget = field(thinking, 'thinkingBudget');
  const level = field(thinking, 'thinkingLevel');
  if (budget !== undefined && (!Number.isInteger(budget) || (budget as number) < -1 || (budget as number) > 32768)) {
    throw invalid('* GenerateContentRequest.generation_config.thinking_config.thinking_budget: must be in the range [-1, 32768].\n');
  }
  if (level !== undefined && !['MINIMAL', 'LOW', 'MEDIUM', 'HIGH'].includes(String(level))) {
    throw invalid(`Invalid value at 'generation_config.thinking_config.thinking_level' (type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), "${String(level)}"`);
  }
  if (budget !== undefined && level !== undefined) {
    throw invalid('You can only set only one of thinking budget and thinking level.');
  }
}

export function checkGenerateRequest(body: unknown, model: string): Json {
  const request = checkFields(body, fields.request, '');
  const contents = list(request, 'contents').map((content, index) => checkContent(content, `contents[${index}]`));
  if (contents.length === 0) throw invalid('* GenerateContentRequest.contents: contents is not specified\n');
  if (field(request, 'systemInstruction') !== undefined) checkContent(field(request, 'systemInstruction'), 'system_instruction');
  checkTurnOrder(contents, model);
  checkMultimodalFunctionResponses(contents, model);
  checkTools(request);
  checkGenerationConfig(request);
  return request;
}
