import type { z } from 'zod';
import type { EmbedRequest, EmbedResponse } from '../spec/index.js';
import type { openAIEmbeddingsResponseSchema } from './openai-api.js';

/** The `POST /embeddings` body. Floats are asked for explicitly: the SDK's default is base64. */
export function convertToOpenAIEmbeddingsRequest(request: EmbedRequest): Record<string, unknown> {
  return {
    model: request.model,
    input: request.input,
    encoding_format: 'float',
    dimensions: request.dimensions,
    user: request.user,
  };
}

/**
 * Vectors in input order (the API tags each with its `index`); undefined when they do not match the
 * `inputs` texts one to one (a vector missing, an index twice or out of range). No vectors at all
 * is an empty answer, left to the caller (a route falls back).
 */
export function convertOpenAIEmbeddingsResponse(
  response: z.infer<typeof openAIEmbeddingsResponseSchema>,
  defaultModel: string,
  inputs: number,
): EmbedResponse | undefined {
  const embeddings = response.data.length === 0 ? [] : inputOrder(response.data, inputs);
  if (embeddings === undefined) return undefined;
  return { model: response.model || defaultModel, embeddings, usage: { inputTokens: response.usage?.prompt_tokens ?? 0 } };
}

function inputOrder(data: z.infer<typeof openAIEmbeddingsResponseSchema>['data'], inputs: number): number[][] | undefined {
  if (data.length !== inputs) return undefined;
  const vectors = new Array<number[] | undefined>(inputs).fill(undefined);
  for (let position = 0; position < inputs; position++) {
    const item = data[position]!;
    const index = item.index ?? position;
    if (!Number.isInteger(index) || index < 0 || index >= inputs || vectors[index] !== undefined) return undefined;
    vectors[index] = typeof item.embedding === 'string' ? decodeBase64Floats(item.embedding) : item.embedding;
  }
  return vectors as number[][];
}

/** Decodes OpenAI's base64 embedding: little-endian float32 values. */
export function decodeBase64Floats(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const values = new Array<number>(Math.floor(bytes.length / 4));
  for (let index = 0; index < values.length; index++) values[index] = bytes.readFloatLE(index * 4);
  return values;
}
