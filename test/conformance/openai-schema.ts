/**
 * OpenAI's published schemas (vendored, pinned) with Switchboard's documented exceptions, and a
 * few raw-HTTP helpers for reading exactly the bytes the gateway sends.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { loadSchemaValidator, type SchemaException, type SchemaValidator } from '../helpers/schema-validator.js';

/** The vendored components of github.com/openai/openai-openapi (see docs/notes/conform.md). */
export const OPENAI_COMPONENTS = new URL('./openai-openapi-components.json', import.meta.url);

/**
 * Where OpenAI's schema and OpenAI's own API and SDKs disagree, and following the schema would
 * break the SDKs. Each is a derived component; the vendored ones stay as published.
 */
export const OPENAI_EXCEPTIONS: readonly SchemaException[] = [
  {
    name: 'EmbeddingBase64',
    from: 'Embedding',
    replace: { '/properties/embedding': { type: 'string', contentEncoding: 'base64', pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$' } },
    reason:
      "With encoding_format 'base64' OpenAI answers each embedding as a base64 string of float32 little-endian bytes, " +
      'and the openai SDKs ask for base64 by default and decode that string; the schema types embedding only as an array of numbers.',
  },
  {
    name: 'CreateEmbeddingResponseBase64',
    from: 'CreateEmbeddingResponse',
    replace: { '/properties/data/items': { $ref: '#/$defs/EmbeddingBase64' } },
    reason: 'The embeddings list of a base64 request: CreateEmbeddingResponse whose items are EmbeddingBase64.',
  },
];

/** A closed validator (unknown fields fail) for OpenAI's components plus the exceptions above. */
export function loadOpenAIValidator(options: { closed?: boolean } = {}): Promise<SchemaValidator> {
  return loadSchemaValidator(OPENAI_COMPONENTS, { closed: options.closed ?? true, exceptions: OPENAI_EXCEPTIONS });
}

/** A JSON answer exactly as sent: status, content type and the parsed body. */
export interface JsonAnswer {
  status: number;
  contentType: string | null;
  body: unknown;
}

/** Sends a request and parses the JSON body (raw fetch: no SDK reshaping what the gateway sent). */
export async function requestJson(url: string, init: RequestInit = {}): Promise<JsonAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), body: JSON.parse(text) as unknown };
}

/** The JSON payloads of an SSE body, in order; asserts it ends with `data: [DONE]` when `done`. */
export function sseEvents(text: string, options: { done: boolean }): unknown[] {
  const frames = text.split('\n\n').filter((frame) => frame !== '');
  for (const frame of frames) assert.ok(frame.startsWith('data: '), `not an SSE data frame: ${frame}`);
  const payloads = frames.map((frame) => frame.slice('data: '.length));
  if (options.done) assert.equal(payloads.pop(), '[DONE]', 'the stream ends with [DONE]');
  return payloads.map((payload) => JSON.parse(payload) as unknown);
}
