/**
 * Gemini 3's thought signature carried in the tool call's id, so that clients of every surface
 * (chat completions, Messages, Responses) send it back without knowing of it: they echo the id
 * with the call when they answer it. The id stays within `[A-Za-z0-9_-]` (what Anthropic and most
 * clients accept): the signature's base64 is written as base64url without padding after a mark.
 * Gemini's signatures are base64; anything else is not carried (the call keeps a plain id).
 *
 * @module
 */

const MARK = '__sbsig__';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `id` with `signature` appended, or `id` itself when the signature is not base64. */
export function idWithSignature(id: string, signature: string): string {
  if (!BASE64.test(signature)) return id;
  return `${id}${MARK}${signature.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`;
}

/** The signature an id carries (as the base64 Gemini sent), or undefined. */
export function signatureFromId(id: string): string | undefined {
  const at = id.indexOf(MARK);
  if (at < 0) return undefined;
  const encoded = id.slice(at + MARK.length);
  if (encoded === '' || !/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  const base64 = encoded.replaceAll('-', '+').replaceAll('_', '/');
  return base64 + '='.repeat((4 - (base64.length % 4)) % 4);
}

/**
 * `id` without the signature it carries: what goes to vendors other than Gemini, which cannot use
 * it and may cap id lengths (OpenAI: 40 characters for chat `tool_calls[].id`, 64 for a Responses
 * `call_id`). The call and its result are stripped alike, so they still pair.
 */
export function idWithoutSignature(id: string): string {
  const at = id.indexOf(MARK);
  return at < 0 ? id : id.slice(0, at);
}
