/**
 * OpenAI embeddings wire body → `PublicEmbedRequest` and the answer's encoding.
 *
 * Token-array inputs (`number[]`, `number[][]`) are refused with `unsupported_feature`: token ids
 * are vendor-specific and most providers cannot take them. Unknown fields are ignored.
 *
 * @module
 */
import type { EmbedRequest } from '../providers/spec/index.js';
import type { PublicEmbedRequest } from '../service/ai-service.js';
import { invalid, optionalInteger, optionalString, requiredString, unsupported, type JsonObject } from './field-checks.js';

export interface ParsedEmbedRequest {
  request: PublicEmbedRequest;
  /** `base64` is what the openai SDK asks for by default: float32 little-endian. */
  encodingFormat: 'float' | 'base64';
}

/** OpenAI's limit of inputs per request. */
const MAX_INPUTS = 2048;
const inputTypes: ReadonlySet<string> = new Set(['search_document', 'search_query', 'classification', 'clustering']);

export function parseEmbedRequest(body: JsonObject): ParsedEmbedRequest {
  const model = requiredString(body, 'model');
  const request: PublicEmbedRequest = { model, input: parseInput(body['input']) };
  const dimensions = optionalInteger(body, 'dimensions', 1, 65_536);
  if (dimensions !== undefined) request.dimensions = dimensions;
  const user = optionalString(body, 'user');
  if (user !== undefined) request.user = user;
  // Extension (Cohere and others need it); OpenAI ignores it.
  const inputType = optionalString(body, 'input_type');
  if (inputType !== undefined) {
    if (!inputTypes.has(inputType)) throw invalid('input_type', `must be one of ${[...inputTypes].join(', ')}`);
    request.inputType = inputType as NonNullable<EmbedRequest['inputType']>;
  }
  const format = body['encoding_format'];
  if (format !== undefined && format !== null && format !== 'float' && format !== 'base64') {
    throw invalid('encoding_format', "must be 'float' or 'base64'");
  }
  return { request, encodingFormat: format === 'base64' ? 'base64' : 'float' };
}

function parseInput(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === undefined || value === null) throw invalid('input', 'is required');
  if (!Array.isArray(value)) throw invalid('input', 'must be a string or an array of strings');
  if (value.length === 0) throw invalid('input', 'must not be empty');
  if (value.length > MAX_INPUTS) throw invalid('input', `may hold at most ${MAX_INPUTS} items, got ${value.length}`);
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (typeof item === 'string') continue;
    if (typeof item === 'number' || Array.isArray(item)) throw unsupported('input', 'as token arrays is not supported; send text');
    throw invalid(`input[${index}]`, 'must be a string');
  }
  return value as string[];
}
