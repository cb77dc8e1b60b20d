/**
 * An answer's id as the vendor sent it, when it is fit to pass on. The id goes to the client in a
 * whole answer and in every chunk of a stream (and into Responses and Messages translations): a
 * vendor's id of a megabyte made every chunk a megabyte. Over MAX_ANSWER_ID_LENGTH characters (or
 * empty, or not a string) it is undefined, and the caller makes an id of its own.
 *
 * @module
 */

/** The longest vendor answer id passed on (vendors' ids are a few dozen characters). */
export const MAX_ANSWER_ID_LENGTH = 256;

/** `id` when it is a non-empty string of at most MAX_ANSWER_ID_LENGTH characters; else undefined. */
export function vendorAnswerId(id: unknown): string | undefined {
  return typeof id === 'string' && id !== '' && id.length <= MAX_ANSWER_ID_LENGTH ? id : undefined;
}

/**
 * OpenAI's `system_fingerprint`, repeated in every chunk of a stream like the id: passed on under
 * the same bound, else left out (it is optional).
 */
export const vendorFingerprint = vendorAnswerId;
