/**
 * Stream parts → OpenAI `chat.completion.chunk` Server-Sent Events. The only place chunks are
 * encoded. Each frame is built by string concatenation around a prefix computed once per stream.
 *
 * @module
 */
import type { StreamPart } from '../providers/spec/index.js';
import { flattenString } from './flat-string.js';
import { writeUsage } from './write-chat-completion.js';
import type { OpenAIErrorBody } from './openai-error.js';

export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * A vendor's event as one SSE frame: each line of its data on a `data:` line of its own. The decoder
 * joins an event's data lines with newlines (as SSE defines); written on one `data:` line, a vendor
 * could start a frame of its own in the client's stream (an `event: error` that skipped redaction).
 */
export function nativeFrame(event: string | undefined, data: string): string {
  const lines = data.includes('\n') ? data.split('\n').map((line) => `data: ${line}`).join('\n') : `data: ${data}`;
  return event === undefined ? `${lines}\n\n` : `event: ${event}\n${lines}\n\n`;
}

/** One SSE frame carrying an error; the openai SDK raises `APIError` on it. */
export function errorFrame(body: OpenAIErrorBody): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}

/**
 * Encodes one stream's parts in order. `encode()` returns the frame(s) to write for a part, or
 * `''` for parts that produce none (`error` parts are handled by the caller with `errorFrame`).
 */
export class ChatChunkEncoder {
  readonly #publicModel: string;
  readonly #includeUsage: boolean;
  #prefix = '';
  readonly #suffix: string;

  /** Text streamed so far, kept only when asked (request logs with bodies). */
  text: string | undefined;

  constructor(publicModel: string, includeUsage: boolean, keepText = false) {
    this.#publicModel = publicModel;
    this.#includeUsage = includeUsage;
    this.#suffix = includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
    if (keepText) this.text = '';
  }

  encode(part: StreamPart): string {
    switch (part.type) {
      case 'stream-start':
        this.#start(part.id, part.created, part.systemFingerprint);
        return this.#choice('{"role":"assistant","content":"","refusal":null}', 'null');
      case 'text-delta':
        if (this.text !== undefined) this.text += part.text;
        if (part.refusal) return this.#choice(`{"refusal":${JSON.stringify(part.text)}}`, 'null');
        return this.#choice(`{"content":${JSON.stringify(part.text)}}`, 'null', part.logprobs);
      case 'reasoning-delta':
        // Reasoning text streams as `delta.reasoning_content`; signatures have no place in chat chunks.
        return part.text === undefined ? '' : this.#choice(`{"reasoning_content":${JSON.stringify(part.text)}}`, 'null');
      case 'tool-call-delta':
        return this.#choice(`{"tool_calls":[${this.#toolCall(part)}]}`, 'null');
      case 'finish': {
        const finish = this.#choice('{}', JSON.stringify(part.finishReason));
        if (!this.#includeUsage) return finish;
        return `${finish}${this.#prefix}],"usage":${writeUsage(part.usage)}}\n\n`;
      }
      case 'error':
        return '';
    }
  }

  #start(id: string, created: number, systemFingerprint?: string): void {
    // system_fingerprint: the vendor's, or absent (never null; see encodeChatCompletion).
    const fingerprint = systemFingerprint === undefined ? '' : `"system_fingerprint":${JSON.stringify(systemFingerprint)},`;
    // Kept for the stream's life: flat (server/flat-string.ts).
    this.#prefix = flattenString(
      `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},` +
        `"model":${JSON.stringify(this.#publicModel)},${fingerprint}"choices":[`,
    );
  }

  #choice(delta: string, finishReason: string, logprobs?: Record<string, unknown>): string {
    // Providers always start with stream-start; this only guards against one that does not.
    if (this.#prefix === '') this.#start(`chatcmpl-${globalThis.crypto.randomUUID()}`, Math.floor(Date.now() / 1000));
    const encodedLogprobs = logprobs === undefined ? 'null' : JSON.stringify(logprobs);
    return `${this.#prefix}{"index":0,"delta":${delta},"logprobs":${encodedLogprobs},"finish_reason":${finishReason}}${this.#suffix}`;
  }

  #toolCall(part: Extract<StreamPart, { type: 'tool-call-delta' }>): string {
    // The first delta of a call carries id, type and name; OpenAI clients accumulate the rest.
    let call = `{"index":${part.toolCallIndex}`;
    if (part.id !== undefined) call += `,"id":${JSON.stringify(part.id)}`;
    if (part.id !== undefined || part.name !== undefined) call += ',"type":"function"';
    call += ',"function":{';
    if (part.name !== undefined) call += `"name":${JSON.stringify(part.name)},`;
    return `${call}"arguments":${JSON.stringify(part.argumentsDelta)}}}`;
  }
}
