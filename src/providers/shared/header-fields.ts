/**
 * What may go into an outgoing HTTP header, checked where rows are written and again where they
 * are loaded, so a header name or value from the database can never split a request (CR/LF) or
 * fail every call at send time.
 *
 * @module
 */
import { z } from 'zod';
import { isTransportHeader } from '../spec/transport-headers.js';

/** RFC 9110 token characters: a header name. */
export const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** RFC 9110 field-value characters (tab, printable ASCII, obs-text): no CR, LF, NUL or other control character. */
export const headerValuePattern = /^[\t\x20-\x7e\x80-\xff]*$/;

export const headerNameSchema = z.string().regex(headerNamePattern, 'is not a valid HTTP header name');

export const headerValueSchema = z.string().regex(headerValuePattern, 'must not contain line breaks or other control characters');

/** A name for a map of extra headers: a valid header name, not a transport header. */
const extraHeaderNameSchema = headerNameSchema.refine((name) => !isTransportHeader(name), 'is set by the gateway (a transport header), not by a row');

/** A map of extra headers, e.g. a provider row's `config.headers`. */
export const headerMapSchema = z.record(extraHeaderNameSchema, headerValueSchema);
