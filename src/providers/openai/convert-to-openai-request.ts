import { idWithoutSignature } from '../google/thought-signature-id.js';
import { mergeNativeFields } from '../shared/merge-native-fields.js';
import { requestedEffort } from '../shared/reasoning.js';
import { refuseToolImage } from '../shared/tool-result-images.js';
import type { ChatMessage, ChatRequest, ImagePart, ResponseFormat, ToolChoice } from '../spec/index.js';
import { mistralToolCallId } from './mistral-tool-call-id.js';
import type { OpenAIChatRequestBody, OpenAIWireMessage, OpenAIWireUserPart } from './openai-api.js';

/** Which field carries the output limit: `max_tokens` for servers that only know the old name. */
export type MaxTokensField = 'max_completion_tokens' | 'max_tokens';

export interface OpenAIRequestOptions {
  stream: boolean;
  maxTokensField: MaxTokensField;
  /** How tool call ids go out: `mistral` for servers that take only nine letters or digits. */
  toolCallIds?: 'mistral' | 'unchanged';
}

/**
 * The normalized request as an OpenAI chat-completions body. Only fields the request sets become
 * keys (an object of a dozen undefined keys costs JSON.stringify a visit to each on every call).
 * Streams always ask for usage (`stream_options.include_usage`) and never send `n`, since the
 * stream carries one choice. Reasoning goes out as `reasoning_effort` (an explicit budget as the
 * nearest effort); reasoning of earlier turns is not sent back (DeepSeek refuses
 * `reasoning_content` in input). Native fields of the `openai` family are merged in unchanged.
 */
export function convertToOpenAIRequest(request: ChatRequest, options: OpenAIRequestOptions): OpenAIChatRequestBody {
  const wireId = options.toolCallIds === 'mistral' ? mistralWireId : idWithoutSignature;
  const body: OpenAIChatRequestBody = { model: request.model, messages: convertToOpenAIMessages(request.messages, wireId) };
  if (request.tools !== undefined) {
    body.tools = request.tools.map((tool) => ({
      type: 'function' as const,
      function: { name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict },
    }));
  }
  if (request.toolChoice !== undefined) body.tool_choice = convertToolChoice(request.toolChoice);
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat !== undefined) body.response_format = convertResponseFormat(request.responseFormat);
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.user !== undefined) body.user = request.user;
  const effort = requestedEffort(request.reasoning);
  if (effort !== undefined) body.reasoning_effort = effort;
  if (request.maxTokens !== undefined) body[options.maxTokensField] = request.maxTokens;
  if (options.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  } else if (request.n !== undefined) {
    body.n = request.n;
  }
  return mergeNativeFields(body, request.native, 'openai');
}

/**
 * The conversation as OpenAI wire messages; a user turn of one text part becomes a plain string.
 * A tool result holding an image is refused (400 `unsupported_feature`): a `tool` message takes
 * text only (`string | ChatCompletionContentPartText[]`), in OpenAI's API and the compatible servers.
 */
export function convertToOpenAIMessages(messages: readonly ChatMessage[], wireId: (id: string) => string = idWithoutSignature): OpenAIWireMessage[] {
  return messages.map((message): OpenAIWireMessage => {
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: message.role, content: message.content };
      case 'user': {
        const [first] = message.content;
        const content =
          message.content.length === 1 && first?.type === 'text'
            ? first.text
            : message.content.map(
                (part): OpenAIWireUserPart =>
                  part.type === 'text'
                    ? { type: 'text', text: part.text }
                    : { type: 'image_url', image_url: { url: part.url, detail: chatImageDetail(part.detail) } },
              );
        return message.name === undefined ? { role: 'user', content } : { role: 'user', content, name: message.name };
      }
      case 'assistant':
        return {
          role: 'assistant',
          // OpenAI accepts a null content only beside tool calls.
          content: message.content ?? (message.toolCalls?.length ? null : ''),
          tool_calls: message.toolCalls?.length
            ? message.toolCalls.map((call) => ({
                id: wireId(call.id),
                type: 'function' as const,
                function: { name: call.name, arguments: call.arguments },
              }))
            : undefined,
        };
      case 'tool':
        refuseToolImage(message, "The OpenAI chat-completions API takes no image in a tool result: a 'tool' message holds text only.");
        return { role: 'tool', tool_call_id: wireId(message.toolCallId), content: message.content };
    }
  });
}

/** Mistral's form of an id, from the id without a Gemini signature (the hash stays that of what OpenAI would get). */
function mistralWireId(id: string): string {
  return mistralToolCallId(idWithoutSignature(id));
}

function convertToolChoice(choice: ToolChoice | undefined): OpenAIChatRequestBody['tool_choice'] {
  if (choice === undefined || typeof choice === 'string') return choice;
  return { type: 'function', function: { name: choice.name } };
}

function convertResponseFormat(format: ResponseFormat | undefined): OpenAIChatRequestBody['response_format'] {
  if (format?.type !== 'json_schema') return format;
  return {
    type: 'json_schema',
    json_schema: { name: format.name, schema: format.schema, description: format.description, strict: format.strict },
  };
}

/** Chat completions has no `original` (a Responses API value): its highest fidelity is `high`. */
function chatImageDetail(detail: ImagePart['detail']): 'auto' | 'low' | 'high' | undefined {
  return detail === 'original' ? 'high' : detail;
}
