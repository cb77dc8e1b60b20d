import { createHash } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const mistralId = /^[a-zA-Z0-9]{9}$/;

/**
 * A tool call id in the form Mistral's API requires: exactly nine letters or digits ("Tool call id
 * was toolu_01… but must be a-z, A-Z, 0-9, with a length of 9", a 400 for the whole request). Ids
 * of other vendors (Anthropic's `toolu_…`, OpenAI's `call_…`, Switchboard's own) become nine
 * characters of a hash of the original, the call and its result alike, so they still pair and two
 * ids stay two (62^9 values); Mistral's own ids go back unchanged.
 */
export function mistralToolCallId(id: string): string {
  if (mistralId.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let index = 0; index < 9; index += 1) out += alphabet[digest[index]! % alphabet.length];
  return out;
}

/** Whether a base URL is Mistral's own API (`api.mistral.ai`, `codestral.mistral.ai`), whose rows get such ids by default. */
export function isMistralBaseUrl(baseUrl: string | null | undefined): boolean {
  if (typeof baseUrl !== 'string') return false;
  try {
    const host = new URL(baseUrl).hostname.toLowerCase();
    return host === 'mistral.ai' || host.endsWith('.mistral.ai');
  } catch {
    return false;
  }
}
