/**
 * Reads a JSON request body under a size limit, checks its shape on the raw bytes (depth and
 * element count, before `JSON.parse`), then parses it.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { SwitchboardError } from '../errors.js';
import type { RawJson } from '../providers/shared/raw-json.js';
import { checkJsonStructure, type JsonStructureLimits } from './json-structure.js';
import { rawJsonOf } from './raw-literals.js';

function tooLarge(limit: number): SwitchboardError {
  return new SwitchboardError('request_too_large', `Request body is larger than the limit of ${limit} bytes.`);
}

/**
 * Content types that are not JSON and that no client sends a JSON body as. Missing, `application/json`,
 * `text/plain` (fetch's default for a string) and `application/x-www-form-urlencoded` (curl's `-d`
 * default) are all read as JSON.
 */
function refusedContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const type = header.trimStart().toLowerCase();
  return type.startsWith('multipart/') || type.startsWith('image/') || type.startsWith('audio/') || type.startsWith('video/') ||
    type.startsWith('application/octet-stream') || type.startsWith('application/xml') || type.startsWith('text/xml');
}

/**
 * Reads the whole body and parses it as one JSON object. A content type that cannot be JSON → 415
 * before reading. Over `limit` bytes → 413, refused from `content-length` before reading anything
 * when the client announces it, else as soon as the running total passes the limit. Nesting or
 * element count over `structure` → 400 naming the limit, before parsing. Empty, invalid or
 * non-object JSON → 400 naming the problem.
 */
export async function readJsonBody(request: IncomingMessage, limit: number, structure: JsonStructureLimits): Promise<Record<string, unknown>> {
  return (await readJsonRequest(request, limit, structure)).body;
}

/** readJsonBody, with the client's own text of the body's long strings (see raw-literals.ts). */
export async function readJsonRequest(
  request: IncomingMessage,
  limit: number,
  structure: JsonStructureLimits,
): Promise<{ body: Record<string, unknown>; raw: RawJson | undefined }> {
  const contentType = request.headers['content-type'];
  if (refusedContentType(contentType)) {
    throw new SwitchboardError('invalid_request', `Content-Type '${(contentType ?? '').slice(0, 60)}' is not accepted; send the body as application/json.`, {
      status: 415,
    });
  }
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const bytes = withoutBom(await readBytes(request, limit));
  if (bytes.length === 0) {
    throw new SwitchboardError('invalid_request', 'Request body is empty; expected a JSON object.');
  }
  checkJsonStructure(bytes, structure);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new SwitchboardError('invalid_request', `Request body is not valid JSON: ${jsonSyntaxReason(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SwitchboardError('invalid_request', 'Request body must be a JSON object.');
  }
  return { body: value as Record<string, unknown>, raw: rawJsonOf(bytes, value) };
}

/**
 * The body without a leading UTF-8 byte order mark: RFC 8259 §8.1 lets a parser ignore one, and
 * some clients write it (.NET's and PowerShell 5's UTF-8 encoders); JSON.parse refuses it.
 */
function withoutBom(bytes: Buffer): Buffer {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** V8's own wording of a JSON syntax error: a fixed phrase and where (no text of the body). */
const FIXED_PHRASE = /^(Unexpected end of JSON input|[A-Za-z ,':}\]-]+ (in|after) JSON at position \d+( \(line \d+ column \d+\))?)$/;

/**
 * What is wrong with a body JSON.parse refused, without quoting the body: V8 words an unexpected
 * token with the text around it (`Unexpected token 's', ..."api_key": sk-proj-Ab"... is not valid
 * JSON`), which can be the start of a key sent unquoted. Its other messages are fixed phrases with
 * a position, and pass as they are.
 */
export function jsonSyntaxReason(error: unknown): string {
  const message = error instanceof SyntaxError ? error.message : '';
  if (FIXED_PHRASE.test(message)) return message;
  return 'unexpected token (strings and property names take double quotes)';
}

function readBytes(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
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
      resolve(chunks ? Buffer.concat(chunks, total) : (first ?? Buffer.alloc(0)));
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
