import { SwitchboardError } from '../../errors.js';
import { type StopRule, sentStops } from '../shared/vendor-stops.js';
import { idWithoutSignature } from '../google/thought-signature-id.js';
import { mergeNativeFields } from '../shared/merge-native-fields.js';
import { requestedBudget } from '../shared/reasoning.js';
import { refuseToolImage } from '../shared/tool-result-images.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice, UserMessage } from '../spec/index.js';
import type { CohereChatRequest, CohereContentPart, CohereMessage, CohereTool } from './cohere-api.js';

/** Cohere takes at most 5 stop sequences (`stop_sequences`). */
export const cohereStops: StopRule = { max: 5 };

/**
 * Builds a `POST /v2/chat` body. Cohere answers 422 to any field it does not know (even inside a
 * tool definition), so OpenAI-only fields (`user`, tool `strict`, `parallel_tool_calls`) are
 * translated or dropped here, never forwarded. Reasoning controls become `thinking` (`none` →
 * disabled, else enabled with the shared budget as `token_budget`); native `cohere` fields are merged.
 * A tool result holding an image is refused (400 `unsupported_feature`): v2 tool content has no images.
 */
export function convertToCohereRequest(request: ChatRequest, options: { stream: boolean }): CohereChatRequest {
  if (request.n !== undefined && request.n > 1) {
    throw new SwitchboardError('unsupported_feature', 'Cohere returns one choice per request; n > 1 is not supported', {
      param: 'n',
    });
  }
  const messages: CohereMessage[] = [];
  for (const message of request.messages) {
    const converted = convertMessage(message);
    if (converted !== undefined) messages.push(converted);
  }
  const body: CohereChatRequest = { model: request.model, messages };
  if (options.stream) body.stream = true;

  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(
      (tool): CohereTool => ({
        type: 'function',
        function: {
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          parameters: tool.parameters ?? { type: 'object', properties: {} },
        },
      }),
    );
    // Cohere's strictness is one switch for all tools; turn it on only when every tool asked for it.
    if (request.tools.every((tool) => tool.strict === true)) body.strict_tools = true;
    const toolChoice = convertToolChoice(request.toolChoice);
    if (toolChoice) body.tool_choice = toolChoice;
  } else if (typeof request.toolChoice === 'object') {
    convertToolChoice(request.toolChoice);
  }

  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.stop && request.stop.length > 0) body.stop_sequences = sentStops(request.stop, cohereStops);
  if (request.temperature !== undefined) body.temperature = request.temperature;
  // Cohere's `p` must lie in [0.01, 0.99]; OpenAI clients often send top_p 1 ("no cut-off").
  if (request.topP !== undefined) body.p = Math.min(0.99, Math.max(0.01, request.topP));
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;

  if (request.topK !== undefined) body.k = request.topK;
  const budget = requestedBudget(request.reasoning);
  if (budget !== undefined) body.thinking = budget > 0 ? { type: 'enabled', token_budget: budget } : { type: 'disabled' };

  const format = request.responseFormat;
  if (format?.type === 'json_object') body.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') body.response_format = { type: 'json_object', json_schema: format.schema };
  return mergeNativeFields(body, request.native, 'cohere');
}

/**
 * One message in v2 form, or undefined for a message with nothing in it (an empty system prompt, an
 * empty user text, an assistant turn with neither text nor calls): Cohere answers 400 "message must
 * not be empty in a turn" where OpenAI takes them, and they carry nothing to the model.
 */
function convertMessage(message: ChatMessage): CohereMessage | undefined {
  switch (message.role) {
    case 'system':
    case 'developer':
      return message.content === '' ? undefined : { role: 'system', content: message.content };
    case 'user': {
      const content = convertUserContent(message);
      return content.length === 0 ? undefined : { role: 'user', content };
    }
    case 'assistant': {
      const toolCalls = message.toolCalls ?? [];
      if (toolCalls.length === 0) return message.content ? { role: 'assistant', content: message.content } : undefined;
      // With tool calls, Cohere carries the accompanying text as `tool_plan`, not `content`.
      return {
        role: 'assistant',
        ...(message.content ? { tool_plan: message.content } : {}),
        // A Gemini 3 id's signature and call id (up to kilobytes Cohere cannot use) stay behind; call and result alike, so they pair.
        tool_calls: toolCalls.map((call) => ({
          id: idWithoutSignature(call.id),
          type: 'function',
          function: { name: call.name, arguments: call.arguments === '' ? '{}' : call.arguments },
        })),
      };
    }
    case 'tool':
      // A v2 tool message's content is text or `document` blocks: no images.
      refuseToolImage(message, "Cohere takes no image in a tool result: a 'tool' message holds text and documents only.");
      return { role: 'tool', tool_call_id: idWithoutSignature(message.toolCallId), content: message.content };
  }
}

/** The user's parts without empty texts: one text as a string, else parts ([] for none). */
function convertUserContent(message: UserMessage): string | CohereContentPart[] {
  const parts = hasEmptyText(message.content) ? message.content.filter((part) => part.type !== 'text' || part.text !== '') : message.content;
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.type === 'text') return only.text;
  return parts.map(
    (part): CohereContentPart =>
      part.type === 'text'
        ? { type: 'text', text: part.text }
        : {
            type: 'image_url',
            // Cohere's detail values are chat completions' (no `original`: its highest is `high`).
            image_url: { url: part.url, ...(part.detail === undefined ? {} : { detail: part.detail === 'original' ? 'high' : part.detail }) },
          },
  );
}

function hasEmptyText(parts: readonly ContentPart[]): boolean {
  for (const part of parts) if (part.type === 'text' && part.text === '') return true;
  return false;
}

/** `auto` is Cohere's default (omitted); it has no way to force one named tool. */
function convertToolChoice(choice: ToolChoice | undefined): 'REQUIRED' | 'NONE' | undefined {
  if (choice === undefined || choice === 'auto') return undefined;
  if (choice === 'none') return 'NONE';
  if (choice === 'required') return 'REQUIRED';
  throw new SwitchboardError('unsupported_feature', 'Cohere cannot force a specific tool; tool_choice must be auto, none or required', {
    param: 'tool_choice',
  });
}
