/**
 * The raw answer to a request Node's HTTP parser refused (a malformed head, a smuggling attempt, a
 * head over maxHeaderSize, a timeout): the status Node's own answer has, with OpenAI's error body.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';
import { toHttpError } from './openai-error.js';

/**
 * The largest request head (request line and headers) the gateway reads: pinned on the server, so
 * Node's `--max-http-header-size` (a process-wide option an operator may raise for other reasons)
 * neither loosens it nor makes the 431 message below wrong.
 */
export const MAX_HEAD_BYTES = 16 * 1024;

/** Node's reason phrases for the statuses a refused request gets (see the 'clientError' listener). */
const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/** The error for a request Node's parser refused, with the status Node's own answer has. */
function clientErrorOf(code: string | undefined): SwitchboardError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new SwitchboardError('invalid_request', `The request head (request line and headers) is larger than the limit of ${MAX_HEAD_BYTES / 1024} KiB.`, { status: 431 });
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new SwitchboardError('request_too_large', 'The chunk extensions of the request body are larger than the limit of 16 KiB.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new SwitchboardError(
        'invalid_request',
        'The request was not received in time (SWITCHBOARD_HEADERS_TIMEOUT_MS for its head, SWITCHBOARD_REQUEST_TIMEOUT_MS for all of it).',
        { status: 408 },
      );
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return new SwitchboardError('invalid_request', 'Malformed HTTP request: Content-Length together with Transfer-Encoding, or more than one Content-Length.');
    case 'HPE_INVALID_METHOD':
      return new SwitchboardError('invalid_request', 'Malformed HTTP request: unknown method.');
    default:
      return new SwitchboardError('invalid_request', 'Malformed HTTP request.');
  }
}

/** The raw answer to a request Node's parser refused: Node's status, OpenAI's error body, connection closed. */
export function clientErrorAnswer(code: string | undefined): string {
  const http = toHttpError(clientErrorOf(code), '');
  const body = JSON.stringify(http.body);
  return `HTTP/1.1 ${http.status} ${REASONS[http.status] ?? 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}
