import type { Dispatcher } from 'undici';

/** UTF-8 text of the chunks without a leading BOM, as undici's `body.text()` decodes it. */
export function decodeText(chunks: readonly Buffer[], length: number): string {
  if (length === 0) return '';
  const buffer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}

/** What readBodyText found: the text, or that the body passed the limit (and was discarded). */
export type BodyText = { text: string; tooLarge?: undefined } | { text?: undefined; tooLarge: true };

/**
 * Reads a whole response body as text (as `body.text()`), but stops once it passes `maxBytes`:
 * the body is then destroyed (which aborts the request) and `tooLarge` is set. Read errors throw.
 */
export async function readBodyText(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<BodyText> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) {
      body.on('error', () => {});
      body.destroy();
      return { tooLarge: true };
    }
    chunks.push(chunk);
  }
  return { text: decodeText(chunks, length) };
}
