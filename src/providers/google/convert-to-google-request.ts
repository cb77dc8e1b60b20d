import type { ChatRequest, ToolChoice } from '../spec/index.js';
import { type StopRule, sentStops } from '../shared/vendor-stops.js';
import type { GoogleGenerateContentRequest, GoogleGenerationConfig } from './google-api.js';
import { convertToGoogleContents } from './convert-to-google-contents.js';
import { requiresThoughtSignature, takesMultimodalFunctionResponses } from './google-model-path.js';
import { convertGoogleThinking } from './convert-google-thinking.js';
import { mergeNativeFields } from '../shared/merge-native-fields.js';

/** Gemini takes at most 5 stop sequences (`generationConfig.stopSequences`). */
export const googleStops: StopRule = { max: 5 };

/**
 * Builds a `generateContent` body. Dropped because Gemini has no equivalent: `user`, `strict` on
 * tools, image `detail`, and `parallelToolCalls: false` (Gemini cannot be told to call at most one
 * function). `n` becomes `candidateCount`, except when streaming. Reasoning controls become
 * `thinkingConfig` (see convertGoogleThinking); native fields of the `google` family are merged in.
 */
export function convertToGoogleRequest(
  request: ChatRequest,
  options: { stream: boolean },
): GoogleGenerateContentRequest {
  const body: GoogleGenerateContentRequest = convertToGoogleContents(request.messages, {
    signaturesRequired: requiresThoughtSignature(request.model),
    multimodalFunctionResponses: takesMultimodalFunctionResponses(request.model),
  });

  if (request.tools && request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          // The raw JSON Schema: `parameters` would reject keywords such as additionalProperties.
          ...(tool.parameters === undefined ? {} : { parametersJsonSchema: tool.parameters }),
        })),
      },
    ];
  }
  if (request.toolChoice !== undefined) {
    body.toolConfig = { functionCallingConfig: functionCallingConfig(request.toolChoice) };
  }

  const config: GoogleGenerationConfig = {};
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  const thinking = convertGoogleThinking(request.model, request.reasoning);
  if (thinking !== undefined) config.thinkingConfig = thinking;
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.stop !== undefined && request.stop.length > 0) config.stopSequences = sentStops(request.stop, googleStops);
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  if (request.n !== undefined && !options.stream) config.candidateCount = request.n;
  const format = request.responseFormat;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = format.schema;
  }
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return mergeNativeFields(body, request.native, 'google');
}

function functionCallingConfig(
  choice: ToolChoice,
): NonNullable<GoogleGenerateContentRequest['toolConfig']>['functionCallingConfig'] {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.name] };
}
