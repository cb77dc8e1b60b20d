/**
 * A normalized chat answer → OpenAI `response` object. Output items in the order the model
 * produced them: `reasoning` (one per reasoning block), then the `message` with its `output_text`
 * (or `refusal`), then one `function_call` per tool call.
 *
 * @module
 */
import type { ChatResponse } from '../../providers/spec/index.js';
import { brokenToolArguments, isOneJsonObject } from '../arguments-scan.js';
import type { ResponseEcho } from './parse-responses-request.js';
import {
  endOf,
  functionCallItem,
  messageItem,
  outputText,
  reasoningItem,
  responseObject,
  ResponseIds,
  type JsonObject,
} from './response-object.js';

/** How a tool turn is named in brokenToolArguments' message on /v1/responses. */
export const FUNCTION_CALL_TURN = 'a function_call turn';

/**
 * The complete `response` object for `answer` (its first choice: Responses has no `n`). An answer
 * cut by the output-token limit or a content filter (or failed) marks the items that were still
 * open at the cut `incomplete`, as the stream does: every `function_call` (none of them was
 * closed), else the message, else (cut while reasoning, no text) the last reasoning item, which then
 * stands alone as in OpenAI's. Items the model had moved on from stay `completed`. A `completed`
 * answer (the model stopped to call tools) with a call's arguments cut off or not one JSON object
 * is the provider's error (`provider`: the serving provider's name), as on the stream: a
 * `completed` `function_call` is one the client runs.
 */
export function encodeResponse(answer: ChatResponse, echo: ResponseEcho, provider = '', ids: ResponseIds = new ResponseIds()): JsonObject {
  const choice = answer.choices[0];
  const output: JsonObject[] = [];
  const end = endOf(choice?.finishReason ?? 'stop');
  if (choice) {
    const cut = end.status !== 'completed';
    const calls = choice.toolCalls;
    if (!cut) for (const call of calls) if (!isOneJsonObject(call.arguments)) throw brokenToolArguments(provider, call.name, FUNCTION_CALL_TURN);
    const reasoning = choice.reasoning ?? [];
    const refusal = typeof choice.refusal === 'string' ? choice.refusal : '';
    const content: JsonObject[] = [];
    // Empty text beside a refusal or calls is no part: OpenAI's refusal message holds the refusal
    // alone, as the stream does (it opens no part for empty text).
    if (choice.content !== null && (choice.content !== '' || (calls.length === 0 && refusal === ''))) content.push(outputText(choice.content));
    if (refusal !== '') content.push({ type: 'refusal', refusal });
    // Cut before any text or call: the reasoning was the open item, and no empty message follows it.
    const cutInReasoning = cut && reasoning.length > 0 && calls.length === 0 && (choice.content ?? '') === '' && refusal === '';
    reasoning.forEach((block, index) => {
      output.push(reasoningItem(ids.item('rs'), block, cutInReasoning && index === reasoning.length - 1 ? 'incomplete' : 'completed'));
    });
    if (!cutInReasoning && (content.length > 0 || calls.length === 0)) {
      const status = cut && calls.length === 0 ? 'incomplete' : 'completed';
      output.push(messageItem(ids.item('msg'), content.length > 0 ? content : [outputText('')], status));
    }
    for (const call of calls) output.push(functionCallItem(ids.item('fc'), call, cut ? 'incomplete' : 'completed'));
  }
  return responseObject(echo, { id: ids.id, createdAt: answer.created }, { status: end.status, end, output, usage: answer.usage });
}
