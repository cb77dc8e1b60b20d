/**
 * Reads a JSON request body under a size limit.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { SwitchboardError } from '../errors.js';

function tooLarge(limit: number): SwitchboardError {
  return new SwitchboardError('request_too_large', `Request body is larger than the limit of ${limit} bytes.`);
}

/**
 * Reads the whole body and parses it as one JSON object. Over `limit` bytes → 413, refused from
 * `content-length` before reading anything when the client announces it, else as soon as the
 * running total passes the limit. Empty, invalid or non-object JSON → 400 naming the problem.
 */
export async function readJsonBody(request: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const text = await readText(request, limit);
  if (text.length === 0) {
    throw new SwitchboardError('invalid_request', 'Request body is empty; expected a JSON object.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'parse error';
    throw new SwitchboardError('invalid_request', `Request body is not valid JSON: ${reason}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SwitchboardError('invalid_request', 'Request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

function readText(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let total = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        cleanup();
        request.pause();
        reject(tooLarge(limit));
        return;
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      const buffer = chunks ? Buffer.concat(chunks, total) : first;
      resolve(buffer === undefined ? '' : buffer.toString('utf8'));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      // The client went away before the body ended.
      if (!request.complete) onError(new Error('request aborted'));
    };
    const cleanup = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
