/**
 * A normalized chat answer → OpenAI `response` object. Output items in the order the model
 * produced them: `reasoning` (one per reasoning block), then the `message` with its `output_text`
 * (or `refusal`), then one `function_call` per tool call.
 *
 * @module
 */
import type { ChatResponse } from '../../providers/spec/index.js';
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

/** The complete `response` object for `answer` (its first choice: Responses has no `n`). */
export function encodeResponse(answer: ChatResponse, echo: ResponseEcho, ids: ResponseIds = new ResponseIds()): JsonObject {
  const choice = answer.choices[0];
  const output: JsonObject[] = [];
  const end = endOf(choice?.finishReason ?? 'stop');
  if (choice) {
    for (const block of choice.reasoning ?? []) output.push(reasoningItem(ids.item('rs'), block));
    const content: JsonObject[] = [];
    if (choice.content !== null && (choice.content !== '' || choice.toolCalls.length === 0)) content.push(outputText(choice.content));
    if (typeof choice.refusal === 'string' && choice.refusal !== '') content.push({ type: 'refusal', refusal: choice.refusal });
    if (content.length > 0 || choice.toolCalls.length === 0) {
      output.push(messageItem(ids.item('msg'), content.length > 0 ? content : [outputText('')], end.status === 'completed' ? 'completed' : 'incomplete'));
    }
    for (const call of choice.toolCalls) output.push(functionCallItem(ids.item('fc'), call, 'completed'));
  }
  return responseObject(echo, { id: ids.id, createdAt: answer.created }, { status: end.status, end, output, usage: answer.usage });
}
