/**
 * The `media_type` to send with a base64 image. Anthropic takes only `image/jpeg`, `image/png`,
 * `image/gif` and `image/webp`, and refuses an image whose bytes are of another format than the one
 * named ("Image does not match the provided media type"). OpenAI reads the bytes and ignores the
 * label, so its clients send `image/jpg`, upper case, or a PNG labelled `image/jpeg`: the format of
 * the bytes wins when their signature is one of the four, else the label, lower-cased, `jpg` read as
 * `jpeg`. A few string comparisons per image; only a WebP candidate decodes 12 bytes.
 *
 * @module
 */
export function anthropicImageMediaType(declared: string, data: string): string {
  if (data.startsWith('iVBORw0KGgo')) return 'image/png';
  if (data.startsWith('/9j/')) return 'image/jpeg';
  if (data.startsWith('R0lGOD')) return 'image/gif';
  if (data.startsWith('UklGR') && Buffer.from(data.slice(0, 16), 'base64').toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  const type = declared.toLowerCase();
  return type === 'image/jpg' || type === 'image/pjpeg' ? 'image/jpeg' : type;
}
