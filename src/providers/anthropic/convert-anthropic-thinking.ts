import { SwitchboardError } from '../../errors.js';
import { MIN_THINKING_BUDGET, requestedBudget, requestedEffort } from '../shared/reasoning.js';
import type { ChatRequest, ReasoningBlock, ReasoningEffort } from '../spec/index.js';
import type { AnthropicContentBlock, AnthropicEffort, AnthropicMessage, AnthropicRequestBody } from './anthropic-api.js';
import { claudeGeneration } from './claude-generation.js';

/**
 * Turns the request's reasoning control into Anthropic's `thinking`. Claude 4.6 and later (see
 * claudeGeneration) get adaptive thinking, `{type: 'adaptive', display: 'summarized'}` with
 * `output_config.effort` (minimal and low → low, medium, high, xhigh and max → xhigh from 4.7, else high;
 * an explicit budget → the nearest effort); earlier models get `{type: 'enabled', budget_tokens}`
 * (effort → budget by the shared table; an explicit budget as is). `none` → no thinking either way.
 *
 * `max_tokens` counts thinking too, as the client's limit does (OpenAI's `max_completion_tokens`
 * and `max_output_tokens` include reasoning tokens; Anthropic's `max_tokens` thinking), so the
 * request's limit is sent as it is and the budget fits under it (fitThinkingBudget). Without one,
 * `max_tokens` is the budget + `defaultVisible`, within the model row's `max_tokens`. The budget
 * (the effort's, in adaptive mode) must be ≥ 1024 and below `max_tokens`: when it cannot be,
 * thinking is left off (a limit of 1024 or less). While thinking Anthropic accepts only
 * `temperature` 1 and `top_p` ≥ 0.95 and refuses `top_k`: other values are dropped. A forced tool
 * choice cannot be combined with thinking: 400 naming `tool_choice`.
 *
 * Thinking is also left off when the request answers tool calls of an assistant turn that does not
 * open with its signed thinking: Anthropic refuses such a turn while thinking is on ("Expected
 * `thinking` or `redacted_thinking`, but found `tool_use`"), and a client of another protocol
 * (chat completions) has no way to send the signature back.
 */
export function applyAnthropicThinking(body: AnthropicRequestBody, request: ChatRequest, modelMaxTokens: number | undefined, defaultVisible: number): void {
  const wanted = requestedBudget(request.reasoning);
  if (wanted === undefined || wanted <= 0) return;
  const requested = Math.max(wanted, MIN_THINKING_BUDGET);
  const maxTokens = request.maxTokens ?? Math.min(requested + defaultVisible, modelMaxTokens ?? Number.MAX_SAFE_INTEGER);
  const budget = fitThinkingBudget(requested, maxTokens, request.reasoning?.budgetTokens !== undefined, defaultVisible);
  if (budget === undefined) return;
  if (answersUnsignedToolTurn(body.messages)) return;
  const choice = body.tool_choice?.type;
  if (choice === 'any' || choice === 'tool') {
    throw new SwitchboardError('unsupported_feature', 'tool_choice cannot force a tool while Anthropic thinking is on; use auto or none, or drop the reasoning control', {
      param: 'tool_choice',
    });
  }
  body.max_tokens = maxTokens;
  const generation = claudeGeneration(body.model);
  if (generation.adaptiveThinking) {
    body.thinking = { type: 'adaptive', display: 'summarized' };
    body.output_config = { effort: adaptiveEffort(requestedEffort(request.reasoning), generation.xhighEffort) };
  } else {
    body.thinking = { type: 'enabled', budget_tokens: budget };
  }
  if (body.temperature !== undefined && body.temperature !== 1) delete body.temperature;
  if (body.top_p !== undefined && body.top_p < 0.95) delete body.top_p;
  delete body.top_k;
}

/**
 * The thinking budget under `maxTokens`, or undefined when even Anthropic's smallest (1024) does not
 * fit. An explicit budget (`/v1/messages`' `budget_tokens`, the library's `budgetTokens`) below
 * the limit is kept as the client wrote it. An effort's budget, or an explicit one that does not
 * fit, is lowered so the answer keeps half the limit, or `answerRoom` tokens of a larger one;
 * never below 1024, which leaves a limit just over 1024 little room for the answer.
 */
export function fitThinkingBudget(requested: number, maxTokens: number, explicit: boolean, answerRoom: number): number | undefined {
  if (explicit && requested < maxTokens) return requested;
  const room = Math.min(answerRoom, Math.floor(maxTokens / 2));
  const budget = Math.max(MIN_THINKING_BUDGET, Math.min(requested, maxTokens - room));
  return budget < maxTokens ? budget : undefined;
}

function adaptiveEffort(effort: ReasoningEffort | undefined, xhigh: boolean): AnthropicEffort {
  switch (effort) {
    case 'minimal':
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'xhigh':
    case 'max':
      // OpenAI's `max` is served as `xhigh` on every other vendor (as /v1/messages maps Anthropic's `max`).
      return xhigh ? 'xhigh' : 'high';
    default:
      return 'high';
  }
}

/** The last message answers tool calls of an assistant turn that does not open with thinking. */
function answersUnsignedToolTurn(messages: readonly AnthropicMessage[]): boolean {
  const last = messages[messages.length - 1];
  const previous = messages[messages.length - 2];
  if (last?.role !== 'user' || previous?.role !== 'assistant') return false;
  if (!last.content.some((block) => block.type === 'tool_result')) return false;
  const first = previous.content[0];
  return first?.type !== 'thinking' && first?.type !== 'redacted_thinking';
}

/**
 * Reasoning of an earlier assistant turn → the blocks that open its content: Anthropic's own
 * signed `thinking` and `redacted_thinking` blocks, unchanged. Blocks from other vendors (or
 * unsigned ones) are dropped: Anthropic verifies signatures and would refuse them.
 */
export function convertReasoningToAnthropic(reasoning: readonly ReasoningBlock[] | undefined): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = [];
  for (const block of reasoning ?? []) {
    if (block.origin !== 'anthropic') continue;
    if (block.redactedData !== undefined) blocks.push({ type: 'redacted_thinking', data: block.redactedData });
    else if (block.signature !== undefined) blocks.push({ type: 'thinking', thinking: block.text, signature: block.signature });
  }
  return blocks;
}
