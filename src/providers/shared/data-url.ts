/** The parts of a `data:<mime>;base64,<data>` URL, or undefined for any other URL. */
export function parseDataUrl(url: string): { mimeType: string; data: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match) return undefined;
  return { mimeType: match[1] ?? 'application/octet-stream', data: match[2] ?? '' };
}
