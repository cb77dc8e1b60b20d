/**
 * A reasoning item's `encrypted_content` as Switchboard writes it: the opaque parts of a
 * `ReasoningBlock` (Anthropic's thinking signature or redacted data, Gemini's thought signature)
 * and the family that produced them, so a client that sends the item back (as the Agents SDK and
 * Codex do) round-trips them to that vendor. Format: `swb1.` + base64url(JSON `{o, s?, r?}`).
 * Content that is not ours (OpenAI's own encrypted reasoning) is ignored off the native path.
 *
 * @module
 */
import type { ProviderFamily, ReasoningBlock } from '../../providers/spec/index.js';
import { findStructureExcess } from '../json-structure.js';

const PREFIX = 'swb1.';
const families: ReadonlySet<string> = new Set<ProviderFamily>(['openai', 'anthropic', 'google', 'cohere']);

/** The envelope for a block with a signature or redacted data, else undefined (nothing to keep). */
export function sealReasoning(block: ReasoningBlock): string | undefined {
  if (block.signature === undefined && block.redactedData === undefined) return undefined;
  const sealed: { o?: string; s?: string; r?: string } = {};
  if (block.origin !== undefined) sealed.o = block.origin;
  if (block.signature !== undefined) sealed.s = block.signature;
  if (block.redactedData !== undefined) sealed.r = block.redactedData;
  return PREFIX + Buffer.from(JSON.stringify(sealed), 'utf8').toString('base64url');
}

/** `encrypted_content` that Switchboard wrote (`swb1.`), which only the vendor named inside can use. */
export function isSealedReasoning(content: unknown): boolean {
  return typeof content === 'string' && content.startsWith(PREFIX);
}

/**
 * The longest envelope opened: what it seals is a signature or redacted thinking (kilobytes; a
 * long redacted thinking some hundreds). The body's structure checks see the envelope as one
 * string, so a larger one is never decoded: 5 MB of nesting inside it blocked the loop 1.5 s.
 */
export const MAX_ENVELOPE_CHARS = 4 * 1024 * 1024;

/** What a sealed envelope holds: one object of strings (depth 1, three members). */
const SEALED_SHAPE = { maxJsonDepth: 1, maxJsonElements: 3 };

/** The parts sealed by `sealReasoning`, or an empty object for anything else. */
export function openReasoning(content: string): Pick<ReasoningBlock, 'signature' | 'redactedData' | 'origin'> {
  if (!content.startsWith(PREFIX) || content.length > MAX_ENVELOPE_CHARS) return {};
  const bytes = Buffer.from(content.slice(PREFIX.length), 'base64url');
  if (findStructureExcess(bytes, SEALED_SHAPE) !== undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const sealed = value as Record<string, unknown>;
  const opened: Pick<ReasoningBlock, 'signature' | 'redactedData' | 'origin'> = {};
  if (typeof sealed['o'] === 'string' && families.has(sealed['o'])) opened.origin = sealed['o'] as ProviderFamily;
  if (typeof sealed['s'] === 'string') opened.signature = sealed['s'];
  if (typeof sealed['r'] === 'string') opened.redactedData = sealed['r'];
  return opened;
}
