// Heap held by streams an upstream keeps open: the gateway runs in this process, so heapUsed after
// full collections, with the streams held and before, is what they keep (the client's bodies are
// Buffers, off the JS heap).
import assert from 'node:assert/strict';
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
export const gc = runInNewContext('gc') as () => void;

/** An upstream that holds every stream it is sent until `release()`. */
export interface HoldingUpstream {
  /** Requests that arrived whole so far. */
  arrived(): number;
  /** Ends every stream held. */
  release(): void;
}

/** POSTs `body` to `origin + path` with the key in both auth headers; resolves with the status once the answer ends. */
export function postForStatus(origin: string, path: string, apiKey: string, agent: HttpAgent, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { 'x-api-key': apiKey, authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
    const req = httpRequest(`${origin}${path}`, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** MB of heap `count` streams opened by `open` keep while `upstream` holds them; each must end 200. */
export async function heldHeapGrowthMB(count: number, upstream: HoldingUpstream, open: () => Promise<number>): Promise<number> {
  gc();
  gc();
  const baseline = process.memoryUsage().heapUsed;
  const before = upstream.arrived();
  const done = Array.from({ length: count }, open);
  while (upstream.arrived() < before + count) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  gc();
  const held = process.memoryUsage().heapUsed;
  upstream.release();
  for (const status of await Promise.all(done)) assert.equal(status, 200);
  return (held - baseline) / 1024 / 1024;
}
