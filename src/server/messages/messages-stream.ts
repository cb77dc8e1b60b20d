/**
 * Stream parts → Anthropic Messages Server-Sent Events (for models of other vendors; Anthropic
 * models stream natively). The sequence is Anthropic's: `message_start`, then per content block
 * `content_block_start`, deltas (`thinking_delta`/`signature_delta`, `text_delta`,
 * `input_json_delta`) and `content_block_stop`, one `ping` after the first block start, then
 * `message_delta` (stop reason and cumulative usage) and `message_stop`.
 *
 * @module
 */
import type { ProviderFamily, StreamPart } from '../../providers/spec/index.js';
import { ArgumentsScan, brokenToolArguments } from '../arguments-scan.js';
import { encodeAnthropicUsage, messageId, turnStopReason } from './encode-message.js';
import { encodeSignature } from './reasoning-signature.js';

type OpenBlock = { kind: 'thinking'; index: number } | { kind: 'text' } | { kind: 'tool'; index: number };

/** A tool call's content block, and whether its arguments so far close a JSON object. */
interface ToolBlock {
  block: number;
  name: string;
  scan: ArgumentsScan;
}

function frame(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

/** Encodes one stream's parts in order; `encode()` returns the frames to write for a part. */
export class MessageEventEncoder {
  readonly #publicModel: string;
  readonly #provider: string;
  readonly #family: ProviderFamily | undefined;
  #started = false;
  #pinged = false;
  /** Index of the next content block. */
  #next = 0;
  #open: OpenBlock | undefined;
  /** The content block of each tool call (by the vendor's tool-call index). */
  readonly #toolBlocks = new Map<number, ToolBlock>();
  /** The vendor refused (OpenAI's `refusal`): its text streams as text, and the stop reason says so. */
  #refused = false;

  /** Text streamed so far, kept only when asked (request logs with bodies). */
  text: string | undefined;

  constructor(publicModel: string, provider: string, family: ProviderFamily | undefined, keepText = false) {
    this.#publicModel = publicModel;
    this.#provider = provider;
    this.#family = family;
    if (keepText) this.text = '';
  }

  encode(part: StreamPart): string {
    switch (part.type) {
      case 'stream-start':
        return this.#start(part.id);
      case 'reasoning-delta':
        return this.#reasoning(part);
      case 'text-delta':
        if (part.refusal) this.#refused = true;
        if (this.text !== undefined) this.text += part.text;
        return `${this.#openBlock({ kind: 'text' }, '{"type":"text","text":"","citations":null}')}${this.#delta(
          `{"type":"text_delta","text":${JSON.stringify(part.text)}}`,
        )}`;
      case 'tool-call-delta':
        return this.#toolCall(part);
      case 'finish': {
        const stopReason = turnStopReason(part.finishReason, this.#provider, this.#toolBlocks.size > 0, this.#refused);
        // A tool turn whose arguments are cut off is the provider's error (see ../arguments-scan.ts).
        if (stopReason === 'tool_use') for (const tool of this.#toolBlocks.values()) if (!tool.scan.complete) throw brokenToolArguments(this.#provider, tool.name, 'a tool_use turn');
        const delta = JSON.stringify({
          type: 'message_delta',
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage: encodeAnthropicUsage(part.usage),
        });
        return `${this.#start(undefined)}${this.#close()}${frame('message_delta', delta)}${frame('message_stop', '{"type":"message_stop"}')}`;
      }
      case 'error':
        return '';
    }
  }

  /** `message_start`, once (also when a provider skipped `stream-start`). */
  #start(id: string | undefined): string {
    if (this.#started) return '';
    this.#started = true;
    const message = {
      id: messageId(id),
      type: 'message',
      role: 'assistant',
      model: this.#publicModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    return frame('message_start', JSON.stringify({ type: 'message_start', message }));
  }

  #reasoning(part: Extract<StreamPart, { type: 'reasoning-delta' }>): string {
    let out = this.#start(undefined);
    if (part.redactedData !== undefined) {
      // A redacted block arrives whole: start and stop it at once.
      out += this.#close();
      out += this.#openBlock({ kind: 'thinking', index: -1 }, JSON.stringify({ type: 'redacted_thinking', data: part.redactedData }));
      return out + this.#close();
    }
    out += this.#openBlock({ kind: 'thinking', index: part.index }, '{"type":"thinking","thinking":"","signature":""}');
    if (part.text !== undefined && part.text !== '') out += this.#delta(`{"type":"thinking_delta","thinking":${JSON.stringify(part.text)}}`);
    if (part.signature !== undefined) {
      const signature = encodeSignature(part.signature, this.#family);
      out += this.#delta(`{"type":"signature_delta","signature":${JSON.stringify(signature)}}`);
    }
    return out;
  }

  #toolCall(part: Extract<StreamPart, { type: 'tool-call-delta' }>): string {
    let out = this.#start(undefined);
    let tool = this.#toolBlocks.get(part.toolCallIndex);
    if (tool === undefined) {
      const name = part.name ?? '';
      const start = JSON.stringify({ type: 'tool_use', id: part.id ?? `toolu_${this.#next}`, name, input: {} });
      out += this.#openBlock({ kind: 'tool', index: part.toolCallIndex }, start);
      tool = { block: this.#next - 1, name, scan: new ArgumentsScan() };
      this.#toolBlocks.set(part.toolCallIndex, tool);
    }
    if (part.argumentsDelta === '') return out;
    tool.scan.push(part.argumentsDelta);
    // A vendor that interleaves calls writes to a block already stopped; the SDK accumulates by index.
    const delta = `{"type":"input_json_delta","partial_json":${JSON.stringify(part.argumentsDelta)}}`;
    return `${out}${frame('content_block_delta', `{"type":"content_block_delta","index":${tool.block},"delta":${delta}}`)}`;
  }

  /** Opens `block` unless it is the open one; closes the previous block first. */
  #openBlock(block: OpenBlock, contentBlock: string): string {
    const open = this.#open;
    if (open !== undefined && open.kind === block.kind && (open.kind === 'text' || open.index === (block as { index: number }).index)) return '';
    let out = this.#start(undefined) + this.#close();
    const index = this.#next++;
    this.#open = block;
    out += frame('content_block_start', `{"type":"content_block_start","index":${index},"content_block":${contentBlock}}`);
    if (!this.#pinged) {
      this.#pinged = true;
      out += frame('ping', '{"type":"ping"}');
    }
    return out;
  }

  #delta(delta: string): string {
    return frame('content_block_delta', `{"type":"content_block_delta","index":${this.#next - 1},"delta":${delta}}`);
  }

  #close(): string {
    if (this.#open === undefined) return '';
    this.#open = undefined;
    return frame('content_block_stop', `{"type":"content_block_stop","index":${this.#next - 1}}`);
  }
}
