/**
 * A streamed answer is an `AsyncIterable<StreamPart>`. Parts are named `<noun>-<verb>`.
 *
 * Order: one `stream-start`, then any number of `reasoning-delta`, `text-delta` and
 * `tool-call-delta` (reasoning of a turn comes before its text, as vendors send it), then one
 * `finish` (which carries the usage). An `error` part reports a failure the vendor sent inside the
 * stream; nothing follows it. Failures before the first part (an HTTP error status) are thrown
 * from the iterator's first `next()` instead, so a caller can still answer with a proper status.
 * Calling `return()` on the iterator (e.g. `break` in `for await`) aborts the upstream request.
 *
 * @module
 */
import type { SwitchboardError } from '../../errors.js';
import type { FinishReason, Usage } from './chat-response.js';

export interface StreamStartPart {
  type: 'stream-start';
  /** The vendor's response id, or a generated one. */
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  /** As `ChatResponse.systemFingerprint`: only when the vendor sent one. */
  systemFingerprint?: string;
}

/**
 * A piece of reasoning. `index` tells reasoning blocks of the same turn apart (a new index starts a
 * new block). `text` adds to the block's text, `signature` is the block's whole signature (sent
 * once, usually last), and `redactedData` is a whole redacted block.
 */
export interface ReasoningDeltaPart {
  type: 'reasoning-delta';
  index: number;
  text?: string;
  signature?: string;
  redactedData?: string;
}

export interface TextDeltaPart {
  type: 'text-delta';
  text: string;
  /** The vendor's `logprobs` of this piece, unchanged (OpenAI family, when asked for). */
  logprobs?: Record<string, unknown>;
  /** A piece of the model's refusal (OpenAI's `delta.refusal`), not of its answer. */
  refusal?: true;
}

/**
 * A piece of a tool call. The first delta of a call carries `id` and `name`; later ones add to
 * `argumentsDelta`. `toolCallIndex` tells calls of the same turn apart, as in OpenAI's stream.
 */
export interface ToolCallDeltaPart {
  type: 'tool-call-delta';
  toolCallIndex: number;
  id?: string;
  name?: string;
  argumentsDelta: string;
  providerMetadata?: Record<string, string>;
}

export interface FinishPart {
  type: 'finish';
  finishReason: FinishReason;
  /** Usage of the whole call; zeros when the vendor reported none. */
  usage: Usage;
  /** As `ChatResponse.native`: top-level vendor fields with no normalized place (e.g. `service_tier`). */
  native?: Record<string, unknown>;
}

export interface ErrorPart {
  type: 'error';
  error: SwitchboardError;
}

export type StreamPart = StreamStartPart | ReasoningDeltaPart | TextDeltaPart | ToolCallDeltaPart | FinishPart | ErrorPart;
