const imageTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
};

/**
 * The image MIME type implied by a URL's file extension, or undefined when there is none we know.
 * Gemini's `fileData.mimeType` is optional, so an unknown type is left out rather than guessed
 * (`image/*` is not a MIME type Gemini accepts).
 */
export function guessImageMimeType(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const dot = pathname.lastIndexOf('.');
  if (dot === -1 || dot < pathname.lastIndexOf('/')) return undefined;
  return imageTypes[pathname.slice(dot + 1).toLowerCase()];
}
