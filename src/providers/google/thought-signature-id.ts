/**
 * Gemini 3's thought signature (and its own call id) carried in the tool call's id, so that clients of every surface
 * (chat completions, Messages, Responses) send it back without knowing of it: they echo the id
 * with the call when they answer it. The id stays within `[A-Za-z0-9_-]` (what Anthropic and most
 * clients accept): the signature's base64 is written as base64url without padding after a mark.
 * Gemini's signatures are base64; anything else is not carried (the call keeps a plain id).
 * Gemini 3 also names each call (`functionCall.id`, to be echoed in `functionResponse.id`): it rides
 * after its own mark, before the signature: `call_<random>__sbgid__<Gemini's id>__sbsig__<signature>`.
 *
 * @module
 */

const MARK = '__sbsig__';
const GEMINI_ID_MARK = '__sbgid__';
/** The Gemini call ids that can ride in an id: no `__`, so the marks stay unambiguous. */
const GEMINI_ID = /^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$/;

/** `id` with Gemini's call id appended (before any signature), or `id` itself when it cannot ride. */
export function idWithGeminiId(id: string, geminiId: string): string {
  return geminiId.length <= 64 && GEMINI_ID.test(geminiId) ? `${id}${GEMINI_ID_MARK}${geminiId}` : id;
}

/** Gemini's own call id that an id carries, or undefined. */
export function geminiIdFromId(id: string): string | undefined {
  const at = id.indexOf(GEMINI_ID_MARK);
  if (at < 0) return undefined;
  const end = id.indexOf(MARK, at);
  const geminiId = id.slice(at + GEMINI_ID_MARK.length, end < 0 ? id.length : end);
  return geminiId === '' ? undefined : geminiId;
}
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
 * `id` without the Gemini call id and signature it carries: what goes to vendors other than Gemini,
 * which cannot use them and may cap id lengths (OpenAI: 40 characters for chat `tool_calls[].id`,
 * 64 for a Responses `call_id`; Cohere's own ids are short). The call and its result are stripped
 * alike, so they still pair.
 */
export function idWithoutSignature(id: string): string {
  const marked = id.indexOf(GEMINI_ID_MARK);
  const at = marked < 0 ? id.indexOf(MARK) : marked;
  return at < 0 ? id : id.slice(0, at);
}
