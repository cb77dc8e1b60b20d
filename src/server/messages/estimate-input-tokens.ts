/**
 * A documented estimate of a Messages body's input tokens, for `/v1/messages/count_tokens` on
 * models whose vendor has no count endpoint Switchboard calls. No tokenizer is bundled, so it is
 * character-based: about 4 characters per token for English text and JSON (the rule of thumb
 * OpenAI and Anthropic both publish), rounded up.
 *
 * - text of `system`, text blocks, tool results and thinking blocks: characters / 4;
 * - `tool_use` blocks: the name and the JSON of `input`; tool definitions: their JSON;
 * - each image: 1,600 tokens (Anthropic's figure for a ~1.15-megapixel image; sizes are not decoded);
 * - any other block: its JSON;
 * - plus 3 tokens per message for the role and framing.
 *
 * @module
 */
import { isObject } from '../field-checks.js';

const CHARS_PER_TOKEN = 4;
const IMAGE_TOKENS = 1600;
const MESSAGE_OVERHEAD = 3;

/** The estimated input tokens of a (checked) Messages body; at least 1. */
export function estimateInputTokens(body: Record<string, unknown>): number {
  const counter = { chars: 0, tokens: 0 };
  const system = body['system'];
  if (typeof system === 'string') counter.chars += system.length;
  else if (Array.isArray(system)) for (const block of system) countBlock(block, counter);
  const messages = body['messages'];
  if (Array.isArray(messages)) {
    for (const message of messages) {
      counter.tokens += MESSAGE_OVERHEAD;
      if (!isObject(message)) continue;
      const content = message['content'];
      if (typeof content === 'string') counter.chars += content.length;
      else if (Array.isArray(content)) for (const block of content) countBlock(block, counter);
    }
  }
  const tools = body['tools'];
  if (Array.isArray(tools)) for (const tool of tools) counter.chars += JSON.stringify(tool).length;
  return Math.max(1, counter.tokens + Math.ceil(counter.chars / CHARS_PER_TOKEN));
}

function countBlock(block: unknown, counter: { chars: number; tokens: number }): void {
  if (!isObject(block)) return;
  switch (block['type']) {
    case 'text':
      counter.chars += typeof block['text'] === 'string' ? block['text'].length : 0;
      return;
    case 'thinking':
      counter.chars += typeof block['thinking'] === 'string' ? block['thinking'].length : 0;
      return;
    case 'image':
      counter.tokens += IMAGE_TOKENS;
      return;
    case 'tool_use':
      counter.chars += String(block['name'] ?? '').length + JSON.stringify(block['input'] ?? {}).length;
      return;
    case 'tool_result': {
      const content = block['content'];
      if (typeof content === 'string') counter.chars += content.length;
      else if (Array.isArray(content)) for (const inner of content) countBlock(inner, counter);
      return;
    }
    default:
      counter.chars += JSON.stringify(block).length;
  }
}
