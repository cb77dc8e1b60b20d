/**
 * What images and documents count as input. Vendors bill an image by its size, not its bytes, so
 * an estimate counts each image at a fixed figure (never decoding it), and governance's reservation
 * reserves the same figure. Used by the ledger's estimates of calls whose vendor reported no usage
 * (a cut stream, a gateway timeout) and by governance's reservations (`estimate-call.ts`).
 *
 * @module
 */
import type { ChatMessage } from '../providers/spec/index.js';

/**
 * Input tokens counted per image. Vendors bill images by size, not bytes: at most about 1,600
 * tokens (Anthropic), 1,120 (Gemini 3, high resolution), 765 (GPT-4o, high detail) and ~2,500
 * (GPT-4.1 mini's patches); the largest is counted.
 */
export const IMAGE_INPUT_TOKENS = 2_500;

/**
 * Input tokens counted per document (Anthropic `document` block, Responses `input_file`) on top of
 * its text: vendors bill a PDF page as its text plus an image of the page (about 1,500–3,000 tokens
 * a page at Anthropic), and a document sent by URL or file id has no text in the body at all.
 */
export const DOCUMENT_INPUT_TOKENS = 3_000;

/** The image parts of chat messages: in user turns and in tool results (`ToolMessage.parts`). */
export function chatImageCount(messages: readonly ChatMessage[]): number {
  let images = 0;
  for (const message of messages) {
    const parts = message.role === 'user' ? message.content : message.role === 'tool' ? message.parts : undefined;
    if (parts === undefined) continue;
    for (const part of parts) if (part.type === 'image') images += 1;
  }
  return images;
}
