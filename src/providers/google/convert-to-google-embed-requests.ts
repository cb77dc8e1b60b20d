import type { EmbedRequest } from '../spec/index.js';
import type { GoogleBatchEmbedRequest, GoogleTaskType } from './google-api.js';

/** `batchEmbedContents` takes at most 100 requests per call. */
export const googleEmbedBatchSize = 100;

const taskTypes: Record<NonNullable<EmbedRequest['inputType']>, GoogleTaskType> = {
  search_document: 'RETRIEVAL_DOCUMENT',
  search_query: 'RETRIEVAL_QUERY',
  classification: 'CLASSIFICATION',
  clustering: 'CLUSTERING',
};

/** The `batchEmbedContents` bodies for a request, one per 100 inputs, in input order. */
export function convertToGoogleEmbedRequests(request: EmbedRequest, modelName: string): GoogleBatchEmbedRequest[] {
  const taskType = request.inputType === undefined ? undefined : taskTypes[request.inputType];
  const batches: GoogleBatchEmbedRequest[] = [];
  for (let start = 0; start < request.input.length; start += googleEmbedBatchSize) {
    batches.push({
      requests: request.input.slice(start, start + googleEmbedBatchSize).map((text) => ({
        model: modelName,
        content: { parts: [{ text }] },
        ...(taskType === undefined ? {} : { taskType }),
        ...(request.dimensions === undefined ? {} : { outputDimensionality: request.dimensions }),
      })),
    });
  }
  return batches;
}
