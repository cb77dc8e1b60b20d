import { request as httpRequest } from 'node:http';

/**
 * POSTs a chunked body (no content-length) that starts with `prefix` and keeps sending `y`s until
 * `total` bytes, then `suffix`; resolves with the answer's status and text (for body-limit tests).
 */
export function postChunked(
  url: string,
  headers: Record<string, string>,
  body: { prefix: string; total: number; suffix: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.write(body.prefix);
    const chunk = 'y'.repeat(16 * 1024);
    let sent = 0;
    const pump = (): void => {
      while (sent < body.total) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      request.end(body.suffix);
    };
    pump();
  });
}
