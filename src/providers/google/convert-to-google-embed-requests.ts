import type { EmbedRequest } from '../spec/index.js';
import type { GoogleBatchEmbedRequest, GoogleTaskType } from './google-api.js';

/** `batchEmbedContents` takes at most 100 requests per call: the class's `maxBatchSize`. */
export const googleEmbedBatchSize = 100;

const taskTypes: Record<NonNullable<EmbedRequest['inputType']>, GoogleTaskType> = {
  search_document: 'RETRIEVAL_DOCUMENT',
  search_query: 'RETRIEVAL_QUERY',
  classification: 'CLASSIFICATION',
  clustering: 'CLUSTERING',
};

/** The `batchEmbedContents` body for a request, one entry per input, in input order (the service splits larger calls). */
export function convertToGoogleEmbedRequest(request: EmbedRequest, modelName: string): GoogleBatchEmbedRequest {
  const taskType = request.inputType === undefined ? undefined : taskTypes[request.inputType];
  return {
    requests: request.input.map((text) => ({
      model: modelName,
      content: { parts: [{ text }] },
      ...(taskType === undefined ? {} : { taskType }),
      ...(request.dimensions === undefined ? {} : { outputDimensionality: request.dimensions }),
    })),
  };
}
