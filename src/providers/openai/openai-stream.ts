import { networkFailure, UpstreamParts } from '../shared/upstream-parts.js';
import type { CallOptions, StreamPart } from '../spec/index.js';
import type { CompatibleEndpoint } from './compatible-endpoint.js';
import type { ResponseDefaults } from './convert-openai-response.js';
import { OpenAIStreamDecoder } from './openai-stream-decoder.js';

/**
 * Streams one chat completion. An error status rejects the first `next()`; once streaming, a
 * failure becomes an `error` part. Returning early or aborting `options.signal` discards the body,
 * which aborts the upstream request; a stream read to its end (`[DONE]`) keeps its connection.
 */
export function streamOpenAIChat(endpoint: CompatibleEndpoint, body: unknown, options: CallOptions, defaults: ResponseDefaults): AsyncIterableIterator<StreamPart> {
  return new UpstreamParts({
    open: () => endpoint.postForStream('/chat/completions', body, options),
    decoder: (stream) => new OpenAIStreamDecoder(stream.limits.maxEventBytes, endpoint.errorContext(options), defaults),
    failure: networkFailure(endpoint.provider, options.signal),
  });
}
