/**
 * Thinking-block signatures on `/v1/messages` and the family that produced them.
 *
 * A signature Anthropic made is passed through untouched (Anthropic models are served natively).
 * A signature another vendor made (Gemini's `thoughtSignature`) is sent to the client as
 * `sb-<family>:<signature>`, so that when the client sends the block back, Switchboard knows which
 * family it belongs to and returns it only to that family. Anthropic signatures are base64 and
 * never contain `:`, so the two cannot be confused.
 *
 * @module
 */
import type { ProviderFamily } from '../../providers/spec/index.js';

const PREFIX = /^sb-(openai|google|cohere):/;

/** The signature to show the client for a block that `origin` produced. */
export function encodeSignature(signature: string, origin: ProviderFamily | undefined): string {
  return origin === undefined || origin === 'anthropic' ? signature : `sb-${origin}:${signature}`;
}

/** A client-sent signature → the vendor's signature and the family that produced it. */
export function decodeSignature(signature: string): { signature: string; origin: ProviderFamily } {
  const match = PREFIX.exec(signature);
  if (match === null) return { signature, origin: 'anthropic' };
  return { signature: signature.slice(match[0].length), origin: match[1] as ProviderFamily };
}
