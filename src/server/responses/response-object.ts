/**
 * The pieces of an OpenAI `response` object shared by the complete answer and the stream: ids,
 * output items, usage, the status a finish reason means, and the object itself around them.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { FinishReason, ReasoningBlock, ToolCall, Usage } from '../../providers/spec/index.js';
import type { ResponseEcho } from './parse-responses-request.js';
import { sealReasoning } from './reasoning-envelope.js';

export type JsonObject = Record<string, unknown>;

/** An output item's status (`incomplete`: still open when the response was cut or failed). */
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** How a response ended, as the `response` object says it. */
export interface ResponseEnd {
  status: 'completed' | 'incomplete' | 'failed';
  incompleteDetails: { reason: 'max_output_tokens' | 'content_filter' } | null;
  error: { code: string; message: string } | null;
}

/** Ids of one response and its items: `resp_<hex>`, `msg_<hex>_<n>`, `fc_<hex>_<n>`, `rs_<hex>_<n>`. */
export class ResponseIds {
  readonly id: string;
  readonly #base: string;
  #next = 0;

  constructor() {
    this.#base = randomUUID().replaceAll('-', '');
    this.id = `resp_${this.#base}`;
  }

  item(kind: 'msg' | 'fc' | 'rs'): string {
    return `${kind}_${this.#base}_${this.#next++}`;
  }
}

/** An item id written by ResponseIds (`rs_<32 hex>_<n>`, …); OpenAI's own have no `_<n>` tail. */
const GATEWAY_ITEM_ID = /^(?:rs|msg|fc)_[0-9a-f]{32}_\d+$/;

/** Whether `id` names an item this gateway wrote (on the normalized path), never a vendor's. */
export function isGatewayItemId(id: unknown): boolean {
  return typeof id === 'string' && GATEWAY_ITEM_ID.test(id);
}

/** Usage in the Responses shape (`input_tokens_details`, `output_tokens_details`). */
export function encodeResponsesUsage(usage: Usage): JsonObject {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0, cache_write_tokens: usage.cacheCreationInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.totalTokens,
  };
}

/** A finish reason → the response's status, `incomplete_details` and `error`. */
export function endOf(finishReason: FinishReason): ResponseEnd {
  switch (finishReason) {
    case 'length':
      return { status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' }, error: null };
    case 'content_filter':
      return { status: 'incomplete', incompleteDetails: { reason: 'content_filter' }, error: null };
    case 'error':
      return { status: 'failed', incompleteDetails: null, error: { code: 'server_error', message: 'The provider ended the generation with an error.' } };
    default:
      return { status: 'completed', incompleteDetails: null, error: null };
  }
}

/** A `reasoning` output item: the text as its summary, signatures sealed in `encrypted_content`. */
export function reasoningItem(id: string, block: ReasoningBlock, status: ItemStatus = 'completed'): JsonObject {
  const item: JsonObject = { id, type: 'reasoning', summary: block.text === '' ? [] : [{ type: 'summary_text', text: block.text }] };
  const sealed = sealReasoning(block);
  if (sealed !== undefined) item['encrypted_content'] = sealed;
  item['status'] = status;
  return item;
}

/** An `output_text` content part. */
export function outputText(text: string): JsonObject {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** An assistant `message` output item. */
export function messageItem(id: string, content: JsonObject[], status: ItemStatus): JsonObject {
  return { id, type: 'message', status, role: 'assistant', content };
}

/** A `function_call` output item. */
export function functionCallItem(id: string, call: Pick<ToolCall, 'id' | 'name' | 'arguments'>, status: ItemStatus): JsonObject {
  return { id, type: 'function_call', status, call_id: call.id, name: call.name, arguments: call.arguments };
}

/** The `response` object; `usage` is null (and left out) until the response is over. */
export function responseObject(
  echo: ResponseEcho,
  head: { id: string; createdAt: number },
  state: { status: ResponseEnd['status'] | 'in_progress'; end?: ResponseEnd; output: JsonObject[]; usage: Usage | null },
): JsonObject {
  const object: JsonObject = {
    id: head.id,
    object: 'response',
    created_at: head.createdAt,
    status: state.status,
    completed_at: state.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: state.end?.error ?? null,
    incomplete_details: state.end?.incompleteDetails ?? null,
    instructions: echo.instructions,
    max_output_tokens: echo.maxOutputTokens,
    model: echo.model,
    output: state.output,
    parallel_tool_calls: echo.parallelToolCalls,
    previous_response_id: null,
    reasoning: echo.reasoning,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.toolChoice,
    tools: echo.tools,
    top_p: echo.topP,
    truncation: 'disabled',
    metadata: echo.metadata,
  };
  // Absent (not null) until the end: the published schema does not make `usage` nullable.
  if (state.usage !== null) object['usage'] = encodeResponsesUsage(state.usage);
  if (echo.user !== undefined) object['user'] = echo.user;
  return object;
}
