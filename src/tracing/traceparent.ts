/**
 * W3C Trace Context `traceparent` header: parsing (the client's, or a library caller's) and
 * formatting (the one sent upstream). https://www.w3.org/TR/trace-context/#traceparent-header
 *
 * @module
 */

/** The fields of a valid `traceparent`. */
export interface ParsedTraceparent {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
  /** The trace flags byte (bit 0: sampled). */
  flags: number;
}

const allZeroTrace = '00000000000000000000000000000000';
const allZeroSpan = '0000000000000000';

/**
 * The fields of `header`, or undefined when it is not a valid `traceparent` (then the request
 * starts a new trace, as the specification says). Versions above 00 are read by their 00 prefix.
 */
export function parseTraceparent(header: string | string[] | undefined): ParsedTraceparent | undefined {
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  if (value.length < 55 || !isHex(value, 0, 2) || value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  const version = value.slice(0, 2);
  if (version === 'ff') return undefined;
  // Version 00 is exactly 55 characters; a later version may append fields after another '-'.
  if (version === '00' ? value.length !== 55 : value.length > 55 && value[55] !== '-') return undefined;
  if (!isHex(value, 3, 35) || !isHex(value, 36, 52) || !isHex(value, 53, 55)) return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  if (traceId === allZeroTrace || spanId === allZeroSpan) return undefined;
  return { traceId, spanId, flags: Number.parseInt(value.slice(53, 55), 16) };
}

/** `00-<traceId>-<spanId>-<flags>`. */
export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A `tracestate` header worth passing on: one string of at most 512 printable ASCII characters. */
export function saneTracestate(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header.length === 0 || header.length > 512) return undefined;
  for (let index = 0; index < header.length; index++) {
    const code = header.charCodeAt(index);
    if (code < 0x20 || code > 0x7e) return undefined;
  }
  return header;
}

/** Whether `value[start, end)` is lowercase hex. */
function isHex(value: string, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    const code = value.charCodeAt(index);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}
