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
 * is left to the caller (the service answers it with the provider's 502). Indexes that carry no order are read
 * in wire order: all the same (servers that do not number a batch: ik_llama.cpp tags every vector
 * 0) or consecutive from an offset (Xinference numbers across the batches it merged).
 */
export function convertOpenAIEmbeddingsResponse(
  response: z.infer<typeof openAIEmbeddingsResponseSchema>,
  defaultModel: string,
  inputs: number,
): EmbedResponse | undefined {
  const embeddings = response.data.length === 0 ? [] : inputOrder(response.data, inputs);
  if (embeddings === undefined) return undefined;
  return { model: response.model || defaultModel, embeddings, usage: { inputTokens: inputTokensOf(response.usage) } };
}

/**
 * The input count: `prompt_tokens`, else `total_tokens` (Voyage and Jina-style servers send only the
 * total, or a zero prompt count beside it; an embedding has no output, so the total is the input).
 * 0 when neither is given: the service then charges an estimate.
 */
function inputTokensOf(usage: z.infer<typeof openAIEmbeddingsResponseSchema>['usage']): number {
  const prompt = usage?.prompt_tokens ?? 0;
  return prompt > 0 ? prompt : (usage?.total_tokens ?? 0);
}

type EmbeddingItems = z.infer<typeof openAIEmbeddingsResponseSchema>['data'];

function inputOrder(data: EmbeddingItems, inputs: number): number[][] | undefined {
  if (data.length !== inputs) return undefined;
  const wireOrder = unnumbered(data);
  const vectors = new Array<number[] | undefined>(inputs).fill(undefined);
  for (let position = 0; position < inputs; position++) {
    const item = data[position]!;
    const index = wireOrder ? position : (item.index ?? position);
    if (!Number.isInteger(index) || index < 0 || index >= inputs || vectors[index] !== undefined) return undefined;
    vectors[index] = typeof item.embedding === 'string' ? decodeBase64Floats(item.embedding) : item.embedding;
  }
  return vectors as number[][];
}

/** More than one vector, each with an index, all equal or each one more than the one before it. */
function unnumbered(data: EmbeddingItems): boolean {
  const first = data[0]?.index;
  if (data.length < 2 || typeof first !== 'number' || !Number.isInteger(first) || first < 0) return false;
  const same = data[1]!.index === first;
  for (let position = 1; position < data.length; position++) {
    if (data[position]!.index !== (same ? first : first + position)) return false;
  }
  return same || first > 0;
}

/** Decodes OpenAI's base64 embedding: little-endian float32 values. */
export function decodeBase64Floats(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const values = new Array<number>(Math.floor(bytes.length / 4));
  for (let index = 0; index < values.length; index++) values[index] = bytes.readFloatLE(index * 4);
  return values;
}
