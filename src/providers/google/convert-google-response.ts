import { ProviderError } from '../../errors.js';
import { idWithGeminiId, idWithSignature } from './thought-signature-id.js';
import type { ProviderDeps } from '../shared/provider-deps.js';
import type { ChatChoice, ChatResponse, ReasoningBlock, ToolCall } from '../spec/index.js';
import { googleGenerateContentResponseSchema, type GoogleGenerateContentResponse } from './google-api.js';
import { convertGoogleUsage } from './convert-google-usage.js';
import { googleFinishError, isGoogleFailure } from './google-finish-error.js';
import { mapGoogleFinishReason } from './map-google-finish-reason.js';
import { vendorAnswerId } from '../shared/answer-id.js';

type Candidate = NonNullable<GoogleGenerateContentResponse['candidates']>[number];

/**
 * A `generateContent` answer as a ChatResponse: one choice per candidate, text parts joined
 * (thought summaries as reasoning, with their `thoughtSignature`), function calls as tool calls with synthesized ids.
 *
 * A prompt Gemini blocks (`promptFeedback.blockReason`, no candidates) becomes one choice with null
 * content and finish `content_filter`, as OpenAI reports filtered output, not an error. A candidate
 * Gemini ended with a failure reason (MALFORMED_FUNCTION_CALL…) makes the answer a 502: googleFinishError.
 */
export function convertGoogleResponse(
  body: unknown,
  context: { provider: string; model: string; status: number; deps: Pick<ProviderDeps, 'now' | 'randomId'> },
): ChatResponse {
  const parsed = googleGenerateContentResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ProviderError('provider_error', `Provider '${context.provider}' returned an unexpected response body`, {
      provider: context.provider,
      status: 502,
      upstreamStatus: context.status,
      cause: parsed.error,
    });
  }
  const response = parsed.data;
  const candidates = response.candidates ?? [];
  for (const candidate of candidates) {
    if (isGoogleFailure(candidate.finishReason)) {
      throw googleFinishError(context.provider, 'answer', candidate.finishReason, convertGoogleUsage(response.usageMetadata));
    }
  }
  const choices: ChatChoice[] =
    candidates.length > 0
      ? candidates.map((candidate, index) => convertCandidate(candidate, index, context.deps.randomId))
      : [
          {
            index: 0,
            content: null,
            toolCalls: [],
            finishReason: response.promptFeedback?.blockReason ? 'content_filter' : 'stop',
          },
        ];
  return {
    id: vendorAnswerId(response.responseId) ?? context.deps.randomId(),
    model: response.modelVersion ?? context.model,
    created: Math.floor(context.deps.now() / 1000),
    choices,
    usage: convertGoogleUsage(response.usageMetadata),
  };
}

function convertCandidate(candidate: Candidate, position: number, randomId: () => string): ChatChoice {
  let text: string | undefined;
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) toolCalls.push(convertFunctionCall(part.functionCall, part.thoughtSignature, randomId));
    else if (part.text !== undefined && part.thought === true) {
      reasoning.push({ text: part.text, ...(part.thoughtSignature ? { signature: part.thoughtSignature } : {}), origin: 'google' });
    } else if (part.text !== undefined) text = text === undefined ? part.text : text + part.text;
  }
  const choice: ChatChoice = {
    index: candidate.index ?? position,
    content: text ?? null,
    toolCalls,
    finishReason: mapGoogleFinishReason(candidate.finishReason, toolCalls.length > 0),
  };
  if (reasoning.length > 0) choice.reasoning = reasoning;
  return choice;
}

/**
 * A Gemini function call as a ToolCall. Its id is made up (`call_<random>`, unique whatever Gemini
 * sends); Gemini 3's own call id and the `thoughtSignature` ride in it (for HTTP clients, see
 * thought-signature-id.ts) so the next request can echo them (Gemini 3 needs the signature, and
 * pairs results by the call id); the signature also rides in providerMetadata (for library callers).
 */
export function convertFunctionCall(
  call: { name: string; args?: Record<string, unknown> | undefined; id?: string | undefined },
  thoughtSignature: string | undefined,
  randomId: () => string,
): ToolCall {
  let id = `call_${randomId()}`;
  if (call.id !== undefined && call.id !== '') id = idWithGeminiId(id, call.id);
  const toolCall: ToolCall = { id: thoughtSignature ? idWithSignature(id, thoughtSignature) : id, name: call.name, arguments: JSON.stringify(call.args ?? {}) };
  if (thoughtSignature) toolCall.providerMetadata = { thoughtSignature };
  return toolCall;
}
