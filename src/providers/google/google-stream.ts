import { ProviderError } from '../../errors.js';
import { networkError } from '../shared/http.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import { parseSse } from '../shared/sse.js';
import type { StreamPart, StreamStartPart } from '../spec/index.js';
import type { GoogleUsageMetadata } from './google-api.js';
import { convertFunctionCall } from './convert-google-response.js';
import { convertGoogleUsage } from './convert-google-usage.js';
import { mapGoogleError } from './map-google-error.js';
import { mapGoogleFinishReason } from './map-google-finish-reason.js';
import type { CancelSignal } from '../../cancel.js';

export interface GoogleStreamContext {
  provider: string;
  /** The requested model, reported until Gemini names its `modelVersion`. */
  model: string;
  deps: Pick<ProviderDeps, 'now' | 'randomId'>;
  signal: CancelSignal;
  secrets: readonly (string | undefined)[];
  /** Longest SSE line or event (ProviderDeps.limits); the parser's default when absent. */
  maxEventBytes?: number;
}

type JsonObject = Record<string, unknown>;

/**
 * Turns a `:streamGenerateContent?alt=sse` body into StreamParts. Every SSE frame is a whole
 * GenerateContentResponse holding a text fragment, whole function calls, and cumulative usage; the
 * stream ends with the body (no `[DONE]`). `stream-start` waits for the first frame so it can carry
 * Gemini's `responseId` and `modelVersion`. Frames are checked structurally, not with zod (hot path).
 * A frame carrying `error`, a frame that is not JSON, or a broken connection yields an `error`
 * part and ends the stream; an abort of `signal` is rethrown.
 */
export async function* readGoogleStream(
  body: AsyncIterable<Uint8Array | string>,
  context: GoogleStreamContext,
): AsyncGenerator<StreamPart> {
  let started = false;
  let finishReason: string | undefined;
  let blocked = false;
  let usage: GoogleUsageMetadata | undefined;
  let toolCallCount = 0;
  const start = (chunk?: JsonObject): StreamStartPart => {
    started = true;
    const id = chunk?.['responseId'];
    const model = chunk?.['modelVersion'];
    return {
      type: 'stream-start',
      id: typeof id === 'string' ? id : context.deps.randomId(),
      model: typeof model === 'string' ? model : context.model,
      created: Math.floor(context.deps.now() / 1000),
    };
  };

  try {
    for await (const event of parseSse(body, { provider: context.provider, ...(context.maxEventBytes === undefined ? {} : { maxEventBytes: context.maxEventBytes }) })) {
      const chunk = parseChunk(event.data);
      if (!started) yield start(chunk);
      if (chunk === undefined) {
        yield { type: 'error', error: malformedChunk(context.provider) };
        return;
      }
      if (chunk['error'] !== undefined) {
        yield {
          type: 'error',
          error: mapGoogleError({ provider: context.provider, status: undefined, body: chunk, secrets: context.secrets }),
        };
        return;
      }
      const candidate = firstCandidate(chunk);
      if (candidate) {
        if (typeof candidate['finishReason'] === 'string') finishReason = candidate['finishReason'];
        for (const part of partsOf(candidate)) {
          const call = part['functionCall'];
          if (isObject(call) && typeof call['name'] === 'string') {
            const signature = part['thoughtSignature'];
            const toolCall = convertFunctionCall(
              { name: call['name'], args: isObject(call['args']) ? call['args'] : undefined },
              typeof signature === 'string' ? signature : undefined,
              context.deps.randomId,
            );
            yield {
              type: 'tool-call-delta',
              toolCallIndex: toolCallCount++,
              id: toolCall.id,
              name: toolCall.name,
              argumentsDelta: toolCall.arguments,
              ...(toolCall.providerMetadata ? { providerMetadata: toolCall.providerMetadata } : {}),
            };
          } else if (part['thought'] === true) {
            const text = part['text'];
            const signature = part['thoughtSignature'];
            if (typeof text === 'string' && text !== '') yield { type: 'reasoning-delta', index: 0, text };
            if (typeof signature === 'string') yield { type: 'reasoning-delta', index: 0, signature };
          } else if (typeof part['text'] === 'string' && part['text'] !== '') {
            yield { type: 'text-delta', text: part['text'] };
          }
        }
      }
      const feedback = chunk['promptFeedback'];
      if (isObject(feedback) && typeof feedback['blockReason'] === 'string') blocked = true;
      if (isObject(chunk['usageMetadata'])) usage = readUsage(chunk['usageMetadata']);
    }
  } catch (error) {
    const failure = networkError(context.provider, error, context.signal);
    if (!(failure instanceof ProviderError)) throw failure;
    if (!started) yield start();
    yield { type: 'error', error: failure };
    return;
  }
  if (!started) yield start();
  yield {
    type: 'finish',
    finishReason: blocked ? 'content_filter' : mapGoogleFinishReason(finishReason, toolCallCount > 0),
    usage: convertGoogleUsage(usage),
  };
}

function parseChunk(data: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function malformedChunk(provider: string): ProviderError {
  return new ProviderError('provider_error', `Provider '${provider}' sent a stream event that is not a JSON object`, {
    provider,
    status: 502,
  });
}

/** Streams are requested without `candidateCount`, so only candidate 0 exists. */
function firstCandidate(chunk: JsonObject): JsonObject | undefined {
  const candidates = chunk['candidates'];
  const candidate: unknown = Array.isArray(candidates) ? candidates[0] : undefined;
  return isObject(candidate) ? candidate : undefined;
}

function partsOf(candidate: JsonObject): JsonObject[] {
  const content = candidate['content'];
  const parts = isObject(content) ? content['parts'] : undefined;
  return Array.isArray(parts) ? parts.filter(isObject) : [];
}

/**
 * The chunk's usageMetadata as is (the ledger keeps it raw): it is cumulative, so the last one
 * replaces the earlier ones. Unchecked here; convertGoogleUsage reads every count defensively.
 */
function readUsage(value: JsonObject): GoogleUsageMetadata {
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
