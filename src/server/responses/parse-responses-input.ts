/**
 * The Responses API's `input` (a string, or a list of items) → normalized `ChatMessage[]`.
 *
 * Items: messages (`role` user, system, developer or assistant; content a string or parts
 * `input_text`, `input_image`, `output_text`, `refusal`), `function_call`, `function_call_output`
 * (`output` a string, or text and image parts: a screenshot tool's) and `reasoning`. Consecutive
 * `function_call` items become one assistant turn with several calls (what every vendor
 * expects), and a `reasoning` item travels with the assistant turn right after it (followed by
 * another message or a tool output, it is dropped). A `function_call_output` must answer a
 * `function_call` earlier in `input`.
 * Items that need state or server-side tools (`item_reference`, `web_search_call`, …) are refused
 * with 400 naming them (`item_reference` already by `checkResponsesBasics`, on both paths). Errors
 * name the field, e.g. `input[2].call_id`.
 *
 * @module
 */
import type { SwitchboardError } from '../../errors.js';
import type { AssistantMessage, ChatMessage, ContentPart, ImagePart, ReasoningBlock } from '../../providers/spec/index.js';
import { invalid, isObject, unsupported, type JsonObject } from '../field-checks.js';
import { openReasoning } from './reasoning-envelope.js';

/** Builds the message list item by item. */
class InputConverter {
  readonly messages: ChatMessage[] = [];
  /** Reasoning items waiting for the assistant turn they belong to. */
  #reasoning: ReasoningBlock[] = [];
  /** The assistant turn that `function_call` items join, while no other message came after it. */
  #openAssistant: AssistantMessage | undefined;
  /** The `call_id`s of the `function_call` items so far (made on the first). */
  #callIds: Set<string> | undefined;

  add(item: unknown, path: string): void {
    if (!isObject(item)) throw invalid(path, 'must be an object (a message or an item with a type)');
    const type = item['type'] ?? 'message';
    switch (type) {
      case 'message':
        return this.#message(item, path);
      case 'function_call':
        return this.#functionCall(item, path);
      case 'function_call_output':
        return this.#functionCallOutput(item, path);
      case 'reasoning':
        this.#reasoning.push(parseReasoningItem(item, path));
        return;
      case 'item_reference':
        throw itemReferenceRefused(path);
      default:
        if (typeof type !== 'string') throw invalid(`${path}.type`, 'must be a string');
        throw unsupported(`${path}.type`, `'${type}' items are not supported; use messages, function_call, function_call_output and reasoning`);
    }
  }

  /** The list. Reasoning with no assistant turn after it has nothing to attach to and is dropped. */
  finish(): ChatMessage[] {
    this.#reasoning = [];
    return this.messages;
  }

  #message(item: JsonObject, path: string): void {
    const role = item['role'];
    const content = item['content'];
    switch (role) {
      case 'user':
        this.#push({ role: 'user', content: userParts(content, `${path}.content`) });
        return;
      case 'system':
      case 'developer':
        this.#push({ role, content: joinedText(content, `${path}.content`, ['input_text']) });
        return;
      case 'assistant': {
        const message: AssistantMessage = { role: 'assistant', content: joinedText(content, `${path}.content`, ['output_text', 'input_text', 'refusal']) };
        this.#pushAssistant(message);
        return;
      }
      case undefined:
      case null:
        throw invalid(`${path}.role`, 'is required');
      default:
        throw invalid(`${path}.role`, "must be one of 'user', 'system', 'developer', 'assistant'");
    }
  }

  #functionCall(item: JsonObject, path: string): void {
    const call = {
      id: nonEmpty(item, 'call_id', path),
      name: nonEmpty(item, 'name', path),
      arguments: stringField(item, 'arguments', path),
    };
    (this.#callIds ??= new Set()).add(call.id);
    const open = this.#openAssistant;
    if (open) {
      (open.toolCalls ??= []).push(call);
      // Reasoning between the turn's text and its calls stays with that turn.
      // Appended in place: copying the turn's list per call made reasoning/call pairs quadratic.
      if (this.#reasoning.length > 0) {
        const reasoning = (open.reasoning ??= []);
        for (const block of this.#reasoning) reasoning.push(block);
        this.#reasoning = [];
      }
      return;
    }
    this.#pushAssistant({ role: 'assistant', content: null, toolCalls: [call] });
  }

  #functionCallOutput(item: JsonObject, path: string): void {
    const toolCallId = nonEmpty(item, 'call_id', path);
    const output = item['output'];
    let message: ChatMessage = { role: 'tool', toolCallId, content: typeof output === 'string' ? output : '' };
    if (typeof output !== 'string') {
      const parts = outputParts(output, `${path}.output`);
      let content = '';
      for (const part of parts) if (part.type === 'text') content += part.text;
      // Text-only output stays plain text, as before; a screenshot's image travels as a part.
      message = parts.some((part) => part.type === 'image') ? { role: 'tool', toolCallId, content, parts } : { role: 'tool', toolCallId, content };
    }
    // As OpenAI does (400 "No tool call found for function call output…"), and before a vendor's
    // own check names a field and index of the translated request instead of the client's.
    if (this.#callIds?.has(toolCallId) !== true) {
      throw invalid(`${path}.call_id`, `does not match a function_call earlier in input: no tool call found for function call output with call_id ${toolCallId}`);
    }
    this.#push(message);
  }

  #pushAssistant(message: AssistantMessage): void {
    if (this.#reasoning.length > 0) {
      message.reasoning = this.#reasoning;
      this.#reasoning = [];
    }
    this.messages.push(message);
    this.#openAssistant = message;
  }

  #push(message: ChatMessage): void {
    // Reasoning belongs to the assistant item right after it (OpenAI refuses one without it);
    // kept, it would join a later turn the model reasoned nothing for.
    if (this.#reasoning.length > 0) this.#reasoning = [];
    this.messages.push(message);
    this.#openAssistant = undefined;
  }
}

/**
 * The 400 for an `item_reference` input item (`path`: the item's). It names what to do, since the
 * Vercel AI SDK sends references by default: it assumes `store` defaults to true and refers to
 * earlier output items by their id, which only a server that kept them can resolve.
 */
export function itemReferenceRefused(path: string): SwitchboardError {
  return unsupported(
    `${path}.type`,
    "'item_reference' is not supported. Switchboard is stateless: it does not keep responses or their items, so an item cannot be referred to by id. " +
      'Send the items themselves in input (the whole conversation); with the Vercel AI SDK, set providerOptions: { openai: { store: false } }.',
  );
}

/** `input` → messages, after `instructions` (sent as the system message). */
export function parseResponsesInput(input: unknown, instructions: string | undefined): ChatMessage[] {
  const converter = new InputConverter();
  if (instructions !== undefined && instructions !== '') converter.messages.push({ role: 'system', content: instructions });
  if (typeof input === 'string') {
    converter.messages.push({ role: 'user', content: [{ type: 'text', text: input }] });
    return converter.messages;
  }
  if (input === undefined || input === null) throw invalid('input', 'is required');
  if (!Array.isArray(input)) throw invalid('input', 'must be a string or an array of input items');
  if (input.length === 0) throw invalid('input', 'must contain at least one item');
  for (let index = 0; index < input.length; index++) converter.add(input[index], `input[${index}]`);
  const messages = converter.finish();
  if (messages.length === 0) throw invalid('input', 'must contain at least one message');
  return messages;
}

function nonEmpty(item: JsonObject, field: string, path: string): string {
  const value = item[field];
  if (typeof value !== 'string' || value === '') throw invalid(`${path}.${field}`, 'must be a non-empty string');
  return value;
}

function stringField(item: JsonObject, field: string, path: string): string {
  const value = item[field];
  if (typeof value !== 'string') throw invalid(`${path}.${field}`, 'must be a string');
  return value;
}

/** A string, or text parts of the allowed types joined (system, assistant and tool output content). */
function joinedText(value: unknown, path: string, types: readonly string[]): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) throw invalid(path, 'is required');
  if (!Array.isArray(value)) throw invalid(path, 'must be a string or an array of content parts');
  let text = '';
  for (let index = 0; index < value.length; index++) {
    const part: unknown = value[index];
    const partPath = `${path}[${index}]`;
    if (!isObject(part)) throw invalid(partPath, 'must be an object with a type');
    const type = part['type'];
    if (typeof type !== 'string' || !types.includes(type)) throw invalid(`${partPath}.type`, `must be ${types.map((name) => `'${name}'`).join(' or ')} here`);
    const field = type === 'refusal' ? 'refusal' : 'text';
    const piece = part[field];
    if (typeof piece !== 'string') throw invalid(`${partPath}.${field}`, 'must be a string');
    text += piece;
  }
  return text;
}

/**
 * A `function_call_output`'s `output` array: `input_text` (or `output_text`) and `input_image` parts,
 * the images carrying their own path for a vendor's refusal. `input_file` is refused: files have no
 * normalized part (an OpenAI model, served natively, gets them).
 */
function outputParts(value: unknown, path: string): ContentPart[] {
  if (value === undefined || value === null) throw invalid(path, 'is required');
  if (!Array.isArray(value)) throw invalid(path, 'must be a string or an array of content parts');
  const parts = new Array<ContentPart>(value.length);
  for (let index = 0; index < value.length; index++) {
    const part: unknown = value[index];
    const partPath = `${path}[${index}]`;
    if (!isObject(part)) throw invalid(partPath, 'must be an object with a type');
    switch (part['type']) {
      case 'input_text':
      case 'output_text': {
        const text = part['text'];
        if (typeof text !== 'string') throw invalid(`${partPath}.text`, 'must be a string');
        parts[index] = { type: 'text', text };
        break;
      }
      case 'input_image':
        parts[index] = { ...imagePart(part, partPath), param: partPath };
        break;
      case 'input_file':
        throw unsupported(
          `${partPath}.type`,
          "'input_file' parts are not supported in a function_call_output on this model: only text and images (input_text, input_image) are carried to its vendor. Files reach OpenAI models only.",
        );
      default:
        throw invalid(`${partPath}.type`, "must be one of 'input_text', 'input_image', 'input_file'");
    }
  }
  return parts;
}

function userParts(value: unknown, path: string): ContentPart[] {
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  if (value === undefined || value === null) throw invalid(path, 'is required');
  if (!Array.isArray(value)) throw invalid(path, 'must be a string or an array of content parts');
  const parts = new Array<ContentPart>(value.length);
  for (let index = 0; index < value.length; index++) parts[index] = userPart(value[index], `${path}[${index}]`);
  return parts;
}

function userPart(part: unknown, path: string): ContentPart {
  if (!isObject(part)) throw invalid(path, 'must be an object with a type');
  switch (part['type']) {
    case 'input_text': {
      const text = part['text'];
      if (typeof text !== 'string') throw invalid(`${path}.text`, 'must be a string');
      return { type: 'text', text };
    }
    case 'input_image':
      return imagePart(part, path);
    case 'input_file':
    case 'input_audio':
      throw unsupported(`${path}.type`, `'${String(part['type'])}' content parts are not supported`);
    default:
      throw invalid(`${path}.type`, "must be one of 'input_text', 'input_image'");
  }
}

/** An `input_image` part (of a user message or a function_call_output) → an image part. */
function imagePart(part: JsonObject, path: string): ImagePart {
  if (part['file_id'] !== undefined && part['file_id'] !== null) {
    throw unsupported(`${path}.file_id`, 'is not supported (uploaded files are not kept); send image_url as a URL or a data: URL');
  }
  const url = part['image_url'];
  if (typeof url !== 'string' || url === '') throw invalid(`${path}.image_url`, 'must be a non-empty string (a URL or a data: URL)');
  const detail = part['detail'];
  if (detail === undefined || detail === null) return { type: 'image', url };
  if (detail !== 'auto' && detail !== 'low' && detail !== 'high' && detail !== 'original') {
    throw invalid(`${path}.detail`, "must be one of 'auto', 'low', 'high', 'original'");
  }
  return { type: 'image', url, detail };
}

function parseReasoningItem(item: JsonObject, path: string): ReasoningBlock {
  const texts: string[] = [];
  // Full reasoning text when the item has it, else its summary.
  const content = item['content'];
  const summary = item['summary'];
  const source = Array.isArray(content) && content.length > 0 ? { parts: content, field: 'content' } : { parts: summary, field: 'summary' };
  if (source.parts !== undefined && source.parts !== null) {
    if (!Array.isArray(source.parts)) throw invalid(`${path}.${source.field}`, 'must be an array of text parts');
    for (let index = 0; index < source.parts.length; index++) {
      const part: unknown = source.parts[index];
      const text = isObject(part) ? part['text'] : undefined;
      if (typeof text !== 'string') throw invalid(`${path}.${source.field}[${index}].text`, 'must be a string');
      texts.push(text);
    }
  }
  const block: ReasoningBlock = { text: texts.join('\n\n') };
  const encrypted = item['encrypted_content'];
  if (encrypted !== undefined && encrypted !== null) {
    if (typeof encrypted !== 'string') throw invalid(`${path}.encrypted_content`, 'must be a string');
    Object.assign(block, openReasoning(encrypted));
  }
  return block;
}
