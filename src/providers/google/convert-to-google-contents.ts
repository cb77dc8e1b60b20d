import { SwitchboardError } from '../../errors.js';
import { convertGoogleFunctionResponse } from './convert-google-function-response.js';
import { geminiIdFromId, signatureFromId } from './thought-signature-id.js';
import { parseDataUrl } from '../shared/data-url.js';
import { refuseEmptyConversation } from '../shared/empty-conversation.js';
import { parseJsonArguments } from '../shared/json-arguments.js';
import type { ChatMessage, ContentPart } from '../spec/index.js';
import type { GoogleContent, GooglePart } from './google-api.js';
import { guessImageMimeType } from './guess-image-mime-type.js';

/**
 * Google's documented stand-in signature for function calls Gemini did not produce itself (history
 * from another model or vendor, e.g. after a fallback). Gemini 3 answers 400 without any signature.
 * https://ai.google.dev/gemini-api/docs/thought-signatures (FAQ)
 */
export const foreignThoughtSignature = 'skip_thought_signature_validator';

export interface GoogleContents {
  contents: GoogleContent[];
  systemInstruction?: { parts: { text: string }[] };
}

/**
 * Converts the conversation: system/developer messages become `systemInstruction`, assistant turns
 * `model` turns, tool results `functionResponse` parts of a user turn (with their images when
 * `multimodalFunctionResponses`, see convertGoogleFunctionResponse), and consecutive turns of one
 * role are merged (so all results of one tool turn share a user turn). The results of one turn go
 * in the order of its calls, whatever order the client sent them in: without ids Gemini pairs a
 * response with a call by name, then position, so two calls of one function would swap results.
 * A call Gemini 3 named (its id rides in the call's id) goes back with that id, and so does its
 * result (`functionResponse.id`), as Google asks.
 */
export function convertToGoogleContents(
  messages: readonly ChatMessage[],
  options: { signaturesRequired: boolean; multimodalFunctionResponses: boolean },
): GoogleContents {
  const system: { text: string }[] = [];
  const contents: GoogleContent[] = [];
  // Gemini answers a call by function name, not by id; the call's position in its turn orders the results.
  const toolNames = new Map<string, string>();
  // Made on the first call: requests without tool history allocate neither.
  let callPositions: Map<string, number> | undefined;
  // The function responses at the end of the last user turn (see placeResult).
  let run: ResultRun | undefined;

  const append = (role: GoogleContent['role'], parts: GooglePart[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  for (const [index, message] of messages.entries()) {
    switch (message.role) {
      case 'system':
      case 'developer':
        if (message.content !== '') system.push({ text: message.content });
        break;
      case 'user': {
        const parts: GooglePart[] = [];
        for (const [partIndex, part] of message.content.entries()) {
          const converted = convertUserPart(part, `messages[${index}].content[${partIndex}]`);
          if (converted) parts.push(converted);
        }
        append('user', parts);
        break;
      }
      case 'assistant': {
        const parts: GooglePart[] = [];
        if (message.content) parts.push({ text: message.content });
        for (const [position, call] of (message.toolCalls ?? []).entries()) {
          toolNames.set(call.id, call.name);
          (callPositions ??= new Map()).set(call.id, position);
          const geminiId = geminiIdFromId(call.id);
          const args = parseJsonArguments(call.arguments);
          const functionCall = geminiId === undefined ? { name: call.name, args } : { id: geminiId, name: call.name, args };
          const signature = call.providerMetadata?.['thoughtSignature'] ?? signatureFromId(call.id);
          parts.push(signature ? { functionCall, thoughtSignature: signature } : { functionCall });
        }
        append('model', parts);
        break;
      }
      case 'tool': {
        const name = toolNames.get(message.toolCallId);
        if (name === undefined) {
          throw new SwitchboardError(
            'invalid_request',
            `messages[${index}].tool_call_id does not match a tool call of an earlier assistant message`,
            { param: `messages[${index}].tool_call_id` },
          );
        }
        const functionResponse = convertGoogleFunctionResponse(message, name, options.multimodalFunctionResponses);
        const geminiId = geminiIdFromId(message.toolCallId);
        if (geminiId !== undefined) functionResponse.id = geminiId;
        run = placeResult(contents, run, callPositions?.get(message.toolCallId) ?? 0, { functionResponse });
        break;
      }
    }
  }
  if (run !== undefined) orderRun(run);
  // Empty messages were left out (Gemini refuses empty parts); refused if that changes the conversation.
  refuseEmptyConversation('Gemini', contents.length, messages[messages.length - 1]?.role === 'user' && contents[contents.length - 1]?.role !== 'user');
  if (options.signaturesRequired) signFirstCalls(contents);
  return system.length > 0 ? { contents, systemInstruction: { parts: system } } : { contents };
}

/**
 * The function responses at the end of a user turn: `content.parts` from `start` on, with the
 * positions of their calls in arrival order. They go to Gemini in the order of their calls (a
 * result that came first for a later call stays after this one), sorted once when the run ends.
 */
interface ResultRun {
  content: GoogleContent;
  start: number;
  positions: number[];
  /** The positions arrived in order: nothing to sort. */
  ordered: boolean;
}

/**
 * Adds a function response to the last user turn (or a new one): to the run of responses at its
 * end, or as a new run (the previous run is put in call order first). Sorting each run once keeps
 * this linear: inserting each response at its place was quadratic, a second of blocked event loop
 * for 40,000 results in reverse order (1,000 calls answered 40 times in a Messages body of 2 MB).
 */
function placeResult(contents: GoogleContent[], run: ResultRun | undefined, position: number, part: GooglePart): ResultRun {
  const last = contents[contents.length - 1];
  if (run !== undefined && run.content === last && last.parts.length === run.start + run.positions.length) {
    if (position < (run.positions[run.positions.length - 1] ?? 0)) run.ordered = false;
    run.positions.push(position);
    last.parts.push(part);
    return run;
  }
  if (run !== undefined) orderRun(run);
  let content = last;
  if (content?.role === 'user') content.parts.push(part);
  else contents.push((content = { role: 'user', parts: [part] }));
  return { content, start: content.parts.length - 1, positions: [position], ordered: true };
}

/** Puts a run's responses in the order of their calls (a stable sort: equal positions keep their arrival order). */
function orderRun(run: ResultRun): void {
  if (run.ordered) return;
  const parts = run.content.parts;
  const placed = run.positions.map((position, index) => ({ position, part: parts[run.start + index] as GooglePart }));
  placed.sort((a, b) => a.position - b.position);
  for (const [index, entry] of placed.entries()) parts[run.start + index] = entry.part;
  run.ordered = true;
}

function convertUserPart(part: ContentPart, param: string): GooglePart | undefined {
  if (part.type === 'text') return part.text === '' ? undefined : { text: part.text };
  const inline = parseDataUrl(part.url);
  if (inline) return { inlineData: inline };
  if (part.url.startsWith('data:')) {
    throw new SwitchboardError('unsupported_feature', `${param}: only base64 data URLs are supported for images`, {
      param,
    });
  }
  const mimeType = guessImageMimeType(part.url);
  return { fileData: mimeType ? { fileUri: part.url, mimeType } : { fileUri: part.url } };
}

/** Gemini 3 checks the first function call of each model turn; only that one carries a signature. */
function signFirstCalls(contents: GoogleContent[]): void {
  for (const content of contents) {
    if (content.role !== 'model') continue;
    const index = content.parts.findIndex((part) => 'functionCall' in part);
    const part = content.parts[index];
    if (part && 'functionCall' in part && !part.thoughtSignature) {
      content.parts[index] = { ...part, thoughtSignature: foreignThoughtSignature };
    }
  }
}
