/**
 * Normalized embeddings → OpenAI's embeddings list.
 *
 * @module
 */
import type { EmbedResponse } from '../providers/spec/index.js';

/** A vector as base64 of its float32 little-endian bytes (what the openai SDK decodes by default). */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let index = 0; index < vector.length; index++) bytes.writeFloatLE(vector[index] as number, index * 4);
  return bytes.toString('base64');
}

export function encodeEmbeddings(response: EmbedResponse, publicModel: string, format: 'float' | 'base64'): Record<string, unknown> {
  return {
    object: 'list',
    data: response.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: format === 'base64' ? float32Base64(vector) : vector,
    })),
    model: publicModel,
    usage: { prompt_tokens: response.usage.inputTokens, total_tokens: response.usage.inputTokens },
  };
}
