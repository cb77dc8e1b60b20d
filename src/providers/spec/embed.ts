/**
 * Normalized embeddings.
 *
 * @module
 */

/** A batch of texts to embed. */
export interface EmbedRequest {
  /** The provider's own model identifier. */
  model: string;
  input: string[];
  /** Requested vector size, for models that can shorten their output. */
  dimensions?: number;
  /** What the vectors are for; vendors that need it (Cohere) default to `search_document`. */
  inputType?: 'search_document' | 'search_query' | 'classification' | 'clustering';
  user?: string;
}

export interface EmbedResponse {
  model: string;
  /** One vector per input, in input order. */
  embeddings: number[][];
  usage: { inputTokens: number };
}
