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
import type { BodyBudget } from './body-budget.js';

const sendContinue = Symbol('switchboard.sendContinue');

/** A request that said `Expect: 100-continue`: the 100 goes out only when its body is about to be read. */
type ContinueRequest = IncomingMessage & { [sendContinue]?: () => void };

/**
 * Marks `request` (announced with `Expect: 100-continue`, see app.ts) so that the `100 Continue`
 * is written only once the gateway is about to read its body: a request refused before that (no
 * key, wrong route or method, a body over the limit) gets its final answer without inviting the body.
 */
export function deferContinue(request: IncomingMessage, writeContinue: () => void): void {
  (request as ContinueRequest)[sendContinue] = writeContinue;
}

/** Sends the deferred `100 Continue`, once. */
function continueBody(request: IncomingMessage): void {
  const write = (request as ContinueRequest)[sendContinue];
  if (write === undefined) return;
  (request as ContinueRequest)[sendContinue] = undefined;
  write();
}

/** Content codings read as they are: none, or identity. */
function refusedContentEncoding(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const coding = header.trim().toLowerCase();
  return coding === '' || coding === 'identity' ? undefined : header;
}

/** The `charset` parameter of a Content-Type, lowercased and unquoted, or undefined. */
function charsetOf(header: string | undefined): string | undefined {
  if (header === undefined || !header.includes(';')) return undefined;
  const match = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(header);
  return match?.[2]?.toLowerCase();
}

const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

/** True when `bytes` has a byte outside ASCII (then a non-UTF-8 charset changes its meaning). */
function hasNonAscii(bytes: Buffer): boolean {
  for (let index = 0; index < bytes.length; index++) if ((bytes[index] as number) > 0x7f) return true;
  return false;
}

function refusedCharset(charset: string): SwitchboardError {
  return new SwitchboardError('invalid_request', `Content-Type charset '${charset.slice(0, 40)}' is not accepted; send the body as UTF-8.`, { status: 415 });
}

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
export async function readJsonBody(
  request: IncomingMessage,
  limit: number,
  structure: JsonStructureLimits,
  budget?: BodyBudget,
  key?: string,
): Promise<Record<string, unknown>> {
  return (await readJsonRequest(request, limit, structure, budget, key)).body;
}

/** readJsonBody, with the client's own text of the body's long strings (see raw-literals.ts). */
export async function readJsonRequest(
  request: IncomingMessage,
  limit: number,
  structure: JsonStructureLimits,
  budget?: BodyBudget,
  key = '',
): Promise<{ body: Record<string, unknown>; raw: RawJson | undefined }> {
  const contentType = request.headers['content-type'];
  if (refusedContentType(contentType)) {
    throw new SwitchboardError('invalid_request', `Content-Type '${(contentType ?? '').slice(0, 60)}' is not accepted; send the body as application/json.`, {
      status: 415,
    });
  }
  const encoding = refusedContentEncoding(request.headers['content-encoding']);
  if (encoding !== undefined) {
    throw new SwitchboardError('invalid_request', `Content-Encoding '${encoding.slice(0, 60)}' is not accepted; send the body uncompressed.`, {
      status: 415,
    });
  }
  const charset = charsetOf(contentType);
  const foreignCharset = charset !== undefined && !UTF8_CHARSETS.has(charset);
  if (foreignCharset && (charset.startsWith('utf-16') || charset.startsWith('utf-32') || charset.startsWith('ucs-'))) throw refusedCharset(charset);
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  continueBody(request);
  const bytes = withoutBom(await readBytes(request, limit, budget, key));
  // An ASCII body means the same in any ASCII-compatible charset; anything else would be misread.
  if (foreignCharset && hasNonAscii(bytes)) throw refusedCharset(charset);
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

/**
 * The body's bytes, at most `limit`. From its second chunk on, what is held counts against
 * `budget` for `key` (see body-budget.ts) until the read ends either way.
 */
function readBytes(request: IncomingMessage, limit: number, budget: BodyBudget | undefined, key: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let total = 0;
    let held = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      let refused = total > limit ? tooLarge(limit) : undefined;
      if (refused === undefined && budget !== undefined && first !== undefined) {
        // The second chunk takes the first's bytes too.
        const bytes = held === 0 ? total : chunk.length;
        refused = budget.take(key, bytes);
        if (refused === undefined) held += bytes;
      }
      if (refused !== undefined) {
        cleanup();
        request.pause();
        reject(refused);
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
      if (held > 0) budget?.release(key, held);
      held = 0;
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
