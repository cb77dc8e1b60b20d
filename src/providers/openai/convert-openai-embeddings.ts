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

/** Vectors in input order (the API tags each with its `index`). */
export function convertOpenAIEmbeddingsResponse(
  response: z.infer<typeof openAIEmbeddingsResponseSchema>,
  defaultModel: string,
): EmbedResponse {
  const ordered = response.data.every((item, position) => item.index == null || item.index === position)
    ? response.data
    : [...response.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return {
    model: response.model || defaultModel,
    embeddings: ordered.map((item) => (typeof item.embedding === 'string' ? decodeBase64Floats(item.embedding) : item.embedding)),
    usage: { inputTokens: response.usage?.prompt_tokens ?? 0 },
  };
}

/** Decodes OpenAI's base64 embedding: little-endian float32 values. */
export function decodeBase64Floats(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const values = new Array<number>(Math.floor(bytes.length / 4));
  for (let index = 0; index < values.length; index++) values[index] = bytes.readFloatLE(index * 4);
  return values;
}
