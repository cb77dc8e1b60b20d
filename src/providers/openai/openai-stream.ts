import { ProviderError } from '../../errors.js';
import { networkError } from '../shared/http.js';
import { parseSse, type SseEvent } from '../shared/sse.js';
import type { CallOptions, StreamPart } from '../spec/index.js';
import type { CompatibleEndpoint } from './compatible-endpoint.js';
import { convertOpenAIUsage, type ResponseDefaults } from './convert-openai-response.js';
import { mapOpenAIStreamError, type OpenAIErrorContext } from './map-openai-error.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { openAIUsageSchema, type OpenAIChunk, type OpenAIUsage } from './openai-api.js';

/**
 * Streams one chat completion. An error status throws from the first `next()`; once streaming, a
 * failure becomes an `error` part. Returning early or aborting `options.signal` destroys the body,
 * which aborts the upstream request.
 */
export async function* streamOpenAIChat(
  endpoint: CompatibleEndpoint,
  body: unknown,
  options: CallOptions,
  defaults: ResponseDefaults,
): AsyncGenerator<StreamPart> {
  const response = await endpoint.postForStream('/chat/completions', body, options);
  let complete = false;
  try {
    yield* convertOpenAIStream(parseSse(response.chunks), endpoint.errorContext(options), defaults);
    complete = true;
  } catch (error) {
    const mapped = networkError(endpoint.provider, error, options.signal);
    if (!(mapped instanceof ProviderError)) throw mapped;
    yield { type: 'error', error: mapped };
  } finally {
    // A stream read to its end (`[DONE]`) keeps its connection; one stopped early is aborted.
    if (complete) response.release();
    else response.discard();
  }
}

/**
 * OpenAI `chat.completion.chunk` events as stream parts. `finish` waits for `[DONE]` (or the end
 * of the body) because the usage chunk (`choices: []`) comes after the finish reason. Chunks are
 * checked structurally, not parsed with zod, to keep the per-chunk cost low.
 */
export async function* convertOpenAIStream(
  events: AsyncIterable<SseEvent>,
  errorContext: OpenAIErrorContext,
  defaults: ResponseDefaults,
): AsyncGenerator<StreamPart> {
  const provider = errorContext.provider;
  let started = false;
  let done = false;
  let finishReason: string | undefined;
  let usage: OpenAIUsage | undefined;
  let sawToolCalls = false;
  let serviceTier: string | undefined;

  for await (const event of events) {
    if (event.data === '[DONE]') {
      done = true;
      break;
    }
    const chunk = parseChunk(event.data);
    if (!chunk) {
      yield { type: 'error', error: streamProtocolError(provider, 'sent a stream chunk that is not a JSON object') };
      return;
    }
    if (chunk.error != null) {
      yield { type: 'error', error: mapOpenAIStreamError(chunk.error, errorContext) };
      return;
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!started) {
      // Azure opens with an id-less chunk that only carries prompt filter results.
      if (!chunk.id && !choice && chunk.usage == null) continue;
      started = true;
      yield startPart(chunk, defaults);
    }
    // Streams are requested without `n`, so only the first choice exists.
    if (choice && (choice.index ?? 0) === 0) {
      const delta = choice.delta;
      if (delta) {
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (typeof reasoning === 'string' && reasoning !== '') yield { type: 'reasoning-delta', index: 0, text: reasoning };
        if (typeof delta.content === 'string' && delta.content !== '') yield textPart(delta.content, choice.logprobs);
        if (Array.isArray(delta.tool_calls)) {
          for (const call of delta.tool_calls) {
            if (typeof call !== 'object' || call === null) continue;
            sawToolCalls = true;
            const name = call.function?.name;
            const argumentsDelta = call.function?.arguments;
            yield {
              type: 'tool-call-delta',
              toolCallIndex: typeof call.index === 'number' ? call.index : 0,
              ...(typeof call.id === 'string' && call.id !== '' ? { id: call.id } : {}),
              ...(typeof name === 'string' && name !== '' ? { name } : {}),
              argumentsDelta: typeof argumentsDelta === 'string' ? argumentsDelta : '',
            };
          }
        }
      }
      if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
    }
    if (typeof chunk.service_tier === 'string') serviceTier = chunk.service_tier;
    if (chunk.usage != null) {
      const parsed = openAIUsageSchema.safeParse(chunk.usage);
      if (parsed.success) usage = parsed.data;
    }
  }

  if (!started) yield startPart({}, defaults);
  // Some compatible servers omit [DONE]; a body that ends before any finish reason was cut off.
  if (!done && finishReason === undefined) {
    yield { type: 'error', error: streamProtocolError(provider, 'ended the stream before it finished') };
    return;
  }
  yield {
    type: 'finish',
    finishReason: mapOpenAIFinishReason(finishReason, sawToolCalls),
    usage: convertOpenAIUsage(usage),
    ...(serviceTier === undefined ? {} : { native: { service_tier: serviceTier } }),
  };
}

function textPart(text: string, logprobs: unknown): StreamPart {
  if (typeof logprobs !== 'object' || logprobs === null || Array.isArray(logprobs)) return { type: 'text-delta', text };
  return { type: 'text-delta', text, logprobs: logprobs as Record<string, unknown> };
}

function parseChunk(data: string): OpenAIChunk | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as OpenAIChunk) : undefined;
  } catch {
    return undefined;
  }
}

function startPart(chunk: OpenAIChunk, defaults: ResponseDefaults): StreamPart {
  return {
    type: 'stream-start',
    id: typeof chunk.id === 'string' && chunk.id !== '' ? chunk.id : `chatcmpl-${defaults.randomId()}`,
    model: typeof chunk.model === 'string' && chunk.model !== '' ? chunk.model : defaults.model,
    created: typeof chunk.created === 'number' && chunk.created > 0 ? chunk.created : defaults.created,
    ...(typeof chunk.system_fingerprint === 'string' && chunk.system_fingerprint !== '' ? { systemFingerprint: chunk.system_fingerprint } : {}),
  };
}

function streamProtocolError(provider: string, what: string): ProviderError {
  return new ProviderError('provider_error', `Provider '${provider}' ${what}`, { provider, status: 502 });
}
