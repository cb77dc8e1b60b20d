/**
 * One streamed chat call on its own connection, timed: for the long-lived stream tests.
 *
 * @module
 */
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';

export interface StreamResult {
  status: number;
  ttfbMs: number;
  totalMs: number;
  body: string;
}

/**
 * One streamed chat call on its own connection (with `system` first, when given, and `fields`
 * added to the body); resolves when the answer is complete.
 */
export function streamOnce(
  origin: string,
  apiKey: string,
  agent: HttpAgent,
  started: number,
  model: string,
  content = 'a b c d',
  system?: string,
  fields: Record<string, unknown> = {},
): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${origin}/v1/chat/completions`,
      { method: 'POST', agent, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } },
      (response) => {
        let ttfbMs = -1;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (ttfbMs < 0) ttfbMs = performance.now() - started;
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ttfbMs, totalMs: performance.now() - started, body }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    const messages = [...(system === undefined ? [] : [{ role: 'system', content: system }]), { role: 'user', content }];
    request.end(JSON.stringify({ ...fields, model, stream: true, messages }));
  });
}
