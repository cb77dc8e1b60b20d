/**
 * A documented estimate of a Messages body's input tokens, for `/v1/messages/count_tokens` on
 * models whose vendor has no count endpoint Switchboard calls. Text is counted with OpenAI's
 * o200k_base tokenizer (the ledger's, `usage/tokenizer`): exact for OpenAI's current models, close
 * for other vendors' (each has its own vocabulary).
 *
 * - text of `system`, text blocks, tool results and thinking blocks: their tokens;
 * - `tool_use` blocks: the name and the JSON of `input`; tool definitions: their JSON;
 * - each image: 1,600 tokens (Anthropic's figure for a ~1.15-megapixel image; sizes are not decoded);
 * - any other block: its JSON;
 * - plus 3 tokens per message for the role and framing.
 *
 * The tokenizer costs about 0.1 µs per character, and clients call this often (Claude Code before
 * each turn): text over 16 K characters is counted from the ledger's sample (64 windows of 256
 * characters cut at whitespace, scaled by UTF-8 bytes, within a few percent; usage/text-sample.ts), so a 25 MB body
 * costs what a 16 K-character one does.
 *
 * @module
 */
import { boundedCount } from '../../usage/text-sample.js';
import { o200kCounter } from '../../usage/tokenizer/count-tokens.js';
import { isObject } from '../field-checks.js';

const IMAGE_TOKENS = 1600;
const MESSAGE_OVERHEAD = 3;

interface Tally {
  texts: string[];
  tokens: number;
}

/** The estimated input tokens of a (checked) Messages body; at least 1. */
export async function estimateInputTokens(body: Record<string, unknown>): Promise<number> {
  const tally: Tally = { texts: [], tokens: 0 };
  const system = body['system'];
  if (typeof system === 'string') tally.texts.push(system);
  else if (Array.isArray(system)) for (const block of system) countBlock(block, tally);
  const messages = body['messages'];
  if (Array.isArray(messages)) {
    for (const message of messages) {
      tally.tokens += MESSAGE_OVERHEAD;
      if (!isObject(message)) continue;
      const content = message['content'];
      if (typeof content === 'string') tally.texts.push(content);
      else if (Array.isArray(content)) for (const block of content) countBlock(block, tally);
    }
  }
  const tools = body['tools'];
  if (Array.isArray(tools)) for (const tool of tools) tally.texts.push(JSON.stringify(tool));
  const count = await o200kCounter();
  return Math.max(1, tally.tokens + boundedCount(count, tally.texts));
}

function countBlock(block: unknown, tally: Tally): void {
  if (!isObject(block)) return;
  switch (block['type']) {
    case 'text':
      if (typeof block['text'] === 'string') tally.texts.push(block['text']);
      return;
    case 'thinking':
      if (typeof block['thinking'] === 'string') tally.texts.push(block['thinking']);
      return;
    case 'image':
      tally.tokens += IMAGE_TOKENS;
      return;
    case 'tool_use':
      tally.texts.push(String(block['name'] ?? ''), JSON.stringify(block['input'] ?? {}));
      return;
    case 'tool_result': {
      const content = block['content'];
      if (typeof content === 'string') tally.texts.push(content);
      else if (Array.isArray(content)) for (const inner of content) countBlock(inner, tally);
      return;
    }
    default:
      tally.texts.push(JSON.stringify(block));
  }
}
