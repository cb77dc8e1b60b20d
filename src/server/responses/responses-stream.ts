/**
 * Stream parts → the Responses API's typed Server-Sent Events (`event: <type>` + `data:` with the
 * same `type` and an increasing `sequence_number`), in OpenAI's order:
 * `response.created`, `response.in_progress`, then per output item `response.output_item.added`,
 * its content events (`response.reasoning_summary_*`, `response.content_part.added` +
 * `response.output_text.delta`… + `response.output_text.done` + `response.content_part.done`, or
 * `response.function_call_arguments.delta`… + `.done`) and `response.output_item.done`, and last
 * `response.completed` (or `response.incomplete` / `response.failed`). A failure after the start
 * sends `error` and then `response.failed`, whose output holds the items open at the failure as
 * `incomplete` (OpenAI leaves no item `in_progress` in a finished response).
 *
 * @module
 */
import { responseTooLarge } from '../../providers/shared/upstream-limits.js';
import type { ProviderFamily, ReasoningBlock, StreamPart, Usage } from '../../providers/spec/index.js';
import { brokenToolArguments, isOneJsonObject } from '../arguments-scan.js';
import { FUNCTION_CALL_TURN } from './encode-response.js';
import type { ResponseEcho } from './parse-responses-request.js';
import {
  endOf,
  functionCallItem,
  messageItem,
  outputText,
  reasoningItem,
  responseObject,
  ResponseIds,
  type ItemStatus,
  type JsonObject,
  type ResponseEnd,
} from './response-object.js';

interface OpenReasoning {
  kind: 'reasoning';
  outputIndex: number;
  id: string;
  blockIndex: number;
  text: string;
  summaryOpen: boolean;
  signature?: string;
  redactedData?: string;
}

interface OpenMessage {
  kind: 'message';
  outputIndex: number;
  id: string;
  /** The open content part's text, and its kind (`output_text`, or a `refusal`). */
  text: string;
  refusal: boolean;
  /** Content parts closed before the open one. */
  parts: JsonObject[];
}

/** A message content part: `output_text`, or a `refusal`. */
function contentPart(refusal: boolean, text: string): JsonObject {
  return refusal ? { type: 'refusal', refusal: text } : outputText(text);
}

interface OpenCall {
  outputIndex: number;
  id: string;
  callId: string;
  name: string;
  arguments: string;
}

/** An open call's `function_call` item, with `status`. */
function callItem(call: OpenCall, status: ItemStatus): JsonObject {
  return functionCallItem(call.id, { id: call.callId, name: call.name, arguments: call.arguments }, status);
}

/** What an output item costs against the held bound, besides its text: its objects. */
const ITEM_CHARS = 256;

/**
 * Encodes one stream's parts in order; each method returns the frames to write. The output is kept
 * for the final event (`response.completed` holds it whole), so it is bounded like an answer read
 * whole: past `maxHeldChars` characters (text, reasoning, tool calls, ITEM_CHARS per item) `encode`
 * throws the provider's answer-too-large error, which ends the stream as a failure.
 */
export class ResponsesEventEncoder {
  readonly #echo: ResponseEcho;
  readonly #family: ProviderFamily | undefined;
  readonly #ids = new ResponseIds();
  readonly #output: JsonObject[] = [];
  readonly #calls = new Map<number, OpenCall>();
  /** A call opened without its name (some servers send the id first): its `output_item.added` waits for the name. */
  #unnamed: OpenCall | undefined;
  #sequence = 0;
  #createdAt = Math.floor(Date.now() / 1000);
  #current: OpenReasoning | OpenMessage | undefined;
  #frames = '';
  readonly #provider: string;
  readonly #maxHeldChars: number;
  /** Characters of output kept so far (see the class). */
  #held = 0;
  /** The name of a call closed with arguments that are not one JSON object (see #finish). */
  #brokenCall: string | undefined;

  /** Text streamed so far, kept only when asked (request logs with bodies). */
  text: string | undefined;

  /** `family`: the serving provider's, recorded with reasoning signatures so they go back only there. */
  constructor(echo: ResponseEcho, family: ProviderFamily | undefined, keepText = false, provider = '', maxHeldChars = Number.POSITIVE_INFINITY) {
    this.#echo = echo;
    this.#family = family;
    this.#provider = provider;
    this.#maxHeldChars = maxHeldChars;
    if (keepText) this.text = '';
  }

  /** Counts `chars` more of kept output; throws once they pass the bound (nothing of the part is kept then). */
  #hold(chars: number): void {
    this.#held += chars;
    // Characters: a text over the limit in characters is over it in UTF-8 bytes too.
    if (this.#held > this.#maxHeldChars) throw responseTooLarge(this.#provider, this.#maxHeldChars, 200);
  }

  /** The frames for one part (`error` parts go to `fail`). */
  encode(part: StreamPart): string {
    // Providers always start with stream-start; this only guards against one that does not.
    if (this.#sequence === 0 && part.type !== 'stream-start') this.#start();
    switch (part.type) {
      case 'stream-start':
        this.#createdAt = part.created;
        this.#start();
        break;
      case 'reasoning-delta':
        this.#reasoning(part);
        break;
      case 'text-delta':
        this.#text(part.text, part.refusal === true);
        break;
      case 'tool-call-delta':
        this.#toolCall(part);
        break;
      case 'finish':
        this.#finish(endOf(part.finishReason), part.usage);
        break;
      case 'error':
        break;
    }
    return this.#flush();
  }

  /**
   * The frames for a failure after the start: an `error` event, then `response.failed`. Items open
   * at the failure are `incomplete` in its `response.output`, with what they held so far (no
   * `.done` events for them: the stream broke, it did not close them).
   */
  fail(error: { code: string | null; message: string; param: string | null }): string {
    this.#announceUnnamed();
    this.#emit('error', { code: error.code, message: error.message, param: error.param });
    this.#abandonAll();
    const code = error.code === 'rate_limit_exceeded' ? 'rate_limit_exceeded' : 'server_error';
    const end: ResponseEnd = { status: 'failed', incompleteDetails: null, error: { code, message: error.message } };
    this.#emit('response.failed', { response: this.#response(end.status, end, null) });
    return this.#flush();
  }

  #flush(): string {
    const frames = this.#frames;
    this.#frames = '';
    return frames;
  }

  #emit(type: string, data: JsonObject): void {
    this.#frames += `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.#sequence++, ...data })}\n\n`;
  }

  #response(status: ResponseEnd['status'] | 'in_progress', end: ResponseEnd | undefined, usage: Usage | null): JsonObject {
    const state = end === undefined ? { status, output: this.#output, usage } : { status, end, output: this.#output, usage };
    return responseObject(this.#echo, { id: this.#ids.id, createdAt: this.#createdAt }, state);
  }

  #start(): void {
    const response = this.#response('in_progress', undefined, null);
    this.#emit('response.created', { response });
    this.#emit('response.in_progress', { response });
  }

  #add(item: JsonObject, announce = true): number {
    this.#hold(ITEM_CHARS);
    const outputIndex = this.#output.length;
    this.#output.push(item);
    if (announce) this.#emit('response.output_item.added', { output_index: outputIndex, item });
    return outputIndex;
  }

  /**
   * The waiting call's `output_item.added`, with the name known by now: sent when the name comes,
   * before its first arguments, and before any other item or end (the SDK adds items in the order
   * of these events, so none may overtake it).
   */
  #announceUnnamed(): void {
    const call = this.#unnamed;
    if (call === undefined) return;
    this.#unnamed = undefined;
    const item = callItem(call, 'in_progress');
    this.#output[call.outputIndex] = item;
    this.#emit('response.output_item.added', { output_index: call.outputIndex, item });
  }

  #done(outputIndex: number, item: JsonObject): void {
    this.#output[outputIndex] = item;
    this.#emit('response.output_item.done', { output_index: outputIndex, item });
  }

  #reasoning(part: Extract<StreamPart, { type: 'reasoning-delta' }>): void {
    let open = this.#current;
    if (open?.kind !== 'reasoning' || open.blockIndex !== part.index) {
      this.#closeAll();
      const id = this.#ids.item('rs');
      open = { kind: 'reasoning', id, blockIndex: part.index, text: '', summaryOpen: false, outputIndex: this.#add(reasoningItem(id, { text: '' }, 'in_progress')) };
      this.#current = open;
    }
    const at = { item_id: open.id, output_index: open.outputIndex, summary_index: 0 };
    if (part.text !== undefined && part.text !== '') {
      this.#hold(part.text.length);
      if (!open.summaryOpen) {
        open.summaryOpen = true;
        this.#emit('response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } });
      }
      open.text += part.text;
      this.#emit('response.reasoning_summary_text.delta', { ...at, delta: part.text });
    }
    if (part.signature !== undefined) open.signature = part.signature;
    if (part.redactedData !== undefined) open.redactedData = part.redactedData;
  }

  #text(text: string, refusal: boolean): void {
    let open = this.#current;
    if (open?.kind !== 'message') {
      this.#closeAll();
      const id = this.#ids.item('msg');
      open = { kind: 'message', id, text: '', refusal, parts: [], outputIndex: this.#add(messageItem(id, [], 'in_progress')) };
      this.#current = open;
      this.#emit('response.content_part.added', { item_id: id, output_index: open.outputIndex, content_index: 0, part: contentPart(refusal, '') });
    } else if (open.refusal !== refusal) {
      this.#closePart(open);
      open.refusal = refusal;
      open.text = '';
      this.#emit('response.content_part.added', { item_id: open.id, output_index: open.outputIndex, content_index: open.parts.length, part: contentPart(refusal, '') });
    }
    this.#hold(text.length);
    open.text += text;
    if (this.text !== undefined) this.text += text;
    const at = { item_id: open.id, output_index: open.outputIndex, content_index: open.parts.length };
    if (refusal) this.#emit('response.refusal.delta', { ...at, delta: text });
    else this.#emit('response.output_text.delta', { ...at, delta: text, logprobs: [] });
  }

  /** The `.done` events of the message's open content part, which joins the closed ones. */
  #closePart(open: OpenMessage): void {
    const at = { item_id: open.id, output_index: open.outputIndex, content_index: open.parts.length };
    if (open.refusal) this.#emit('response.refusal.done', { ...at, refusal: open.text });
    else this.#emit('response.output_text.done', { ...at, text: open.text, logprobs: [] });
    const part = contentPart(open.refusal, open.text);
    this.#emit('response.content_part.done', { ...at, part });
    open.parts.push(part);
  }

  #toolCall(part: Extract<StreamPart, { type: 'tool-call-delta' }>): void {
    let call = this.#calls.get(part.toolCallIndex);
    if (call === undefined) {
      this.#closeCurrent();
      this.#announceUnnamed();
      const id = this.#ids.item('fc');
      const callId = part.id ?? `call_${id.slice(3)}`;
      const name = part.name ?? '';
      call = { id, callId, name, arguments: '', outputIndex: this.#add(functionCallItem(id, { id: callId, name, arguments: '' }, 'in_progress'), name !== '') };
      this.#calls.set(part.toolCallIndex, call);
      if (name === '') this.#unnamed = call;
    } else if (call.name === '' && part.name !== undefined) {
      // The name after the id: the first one sent is kept (OpenAI sends it once).
      call.name = part.name;
    }
    if (this.#unnamed === call && (call.name !== '' || part.argumentsDelta !== '')) this.#announceUnnamed();
    if (part.argumentsDelta === '') return;
    this.#hold(part.argumentsDelta.length);
    call.arguments += part.argumentsDelta;
    this.#emit('response.function_call_arguments.delta', { item_id: call.id, output_index: call.outputIndex, delta: part.argumentsDelta });
  }

  /** Closes the open reasoning or message item (`status`: `incomplete` when the response was cut there). */
  #closeCurrent(status: ItemStatus = 'completed'): void {
    const open = this.#current;
    this.#current = undefined;
    if (open === undefined) return;
    if (open.kind === 'message') {
      this.#closePart(open);
    } else if (open.summaryOpen) {
      const at = { item_id: open.id, output_index: open.outputIndex, summary_index: 0 };
      this.#emit('response.reasoning_summary_text.done', { ...at, text: open.text });
      this.#emit('response.reasoning_summary_part.done', { ...at, part: { type: 'summary_text', text: open.text } });
    }
    this.#done(open.outputIndex, this.#currentItem(open, status));
  }

  /** Closes every open item with `status` (`atEnd`: by the finish, which checked the calls' arguments). */
  #closeAll(status: ItemStatus = 'completed', atEnd = false): void {
    this.#closeCurrent(status);
    this.#announceUnnamed();
    for (const call of this.#calls.values()) {
      // A call closed before the end (the model wrote on): its arguments count at a completed finish.
      if (!atEnd) this.#checkArguments(call);
      this.#emit('response.function_call_arguments.done', { item_id: call.id, output_index: call.outputIndex, name: call.name, arguments: call.arguments });
      this.#done(call.outputIndex, callItem(call, status));
    }
    this.#calls.clear();
  }

  /** Notes the first call whose arguments are not one JSON object (its name), for #finish. */
  #checkArguments(call: OpenCall): void {
    if (this.#brokenCall === undefined && !isOneJsonObject(call.arguments)) this.#brokenCall = call.name;
  }

  /** A failure: every open item becomes `incomplete` in the output, with no event of its own. */
  #abandonAll(): void {
    const open = this.#current;
    this.#current = undefined;
    if (open !== undefined) this.#output[open.outputIndex] = this.#currentItem(open, 'incomplete', true);
    for (const call of this.#calls.values()) this.#output[call.outputIndex] = callItem(call, 'incomplete');
    this.#calls.clear();
  }

  /** The open reasoning or message item as it stands, with `status`. */
  #currentItem(open: OpenReasoning | OpenMessage, status: ItemStatus, openPart = false): JsonObject {
    // A message closed by #closePart holds all its parts; one abandoned at a failure still has one open.
    if (open.kind === 'message') return messageItem(open.id, openPart ? [...open.parts, contentPart(open.refusal, open.text)] : open.parts, status);
    const block: ReasoningBlock = { text: open.text };
    if (open.signature !== undefined) block.signature = open.signature;
    if (open.redactedData !== undefined) block.redactedData = open.redactedData;
    if (this.#family !== undefined) block.origin = this.#family;
    return reasoningItem(open.id, block, status);
  }

  #finish(end: ResponseEnd, usage: Usage): void {
    // A completed turn (the model stopped to call tools) whose call's arguments are cut off or not
    // one JSON object is the provider's error (../arguments-scan.ts): `fail` sends `error` and
    // `response.failed` in place of the response a client runs the calls of; a cut turn keeps its
    // partial calls. Checked before any frame of the end is written.
    const completed = end.status === 'completed';
    if (completed) {
      for (const call of this.#calls.values()) this.#checkArguments(call);
      if (this.#brokenCall !== undefined) throw brokenToolArguments(this.#provider, this.#brokenCall, FUNCTION_CALL_TURN);
    }
    // Items still open at a cut (output-token limit, content filter) or a failed end are
    // `incomplete`, as in the complete answer and OpenAI's own; those closed before it stay completed.
    this.#closeAll(completed ? 'completed' : 'incomplete', true);
    const type = end.status === 'completed' ? 'response.completed' : end.status === 'incomplete' ? 'response.incomplete' : 'response.failed';
    this.#emit(type, { response: this.#response(end.status, end, usage) });
  }
}
