/**
 * Token counts with OpenAI's o200k_base encoding, for estimates: the vocabulary from
 * gpt-tokenizer's `.tiktoken` data file held in typed arrays (`vocabulary.ts`), its pre-tokenizer
 * pattern, and our own counting merge (`bpe.ts`). Text is counted as ordinary text: a special
 * token's spelling (`<|endoftext|>`) in a prompt is just characters, never an error.
 *
 * The work per count is bounded: pieces over SLICE_BYTES (4 KB) are merged slice by slice, and past
 * EXACT_BYTES of a count's texts the rest is extrapolated at the ratio of tokens to bytes counted
 * so far. A 25 MB body of one repeated letter then costs milliseconds, not minutes.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { countPiece, SLICE_BYTES } from './bpe.js';
import { readTiktoken } from './vocabulary.js';

/** Bytes of text counted exactly per count; the rest is extrapolated. */
export const EXACT_BYTES = 1024 * 1024;
/** Characters of a piece encoded at a time (a longer piece is read in chunks: bounded scratch space). */
const CHUNK_CHARS = 16 * 1024;
/** Keys of the merge heap pack a rank with a position: ranks must stay below this. */
const MAX_VOCABULARY = 2 ** 31 / SLICE_BYTES;

/** Counts tokens of texts, summed. */
export type CountTokens = (texts: readonly string[]) => number;

/** Builds the counter from a `.tiktoken` file's bytes and the encoding's pre-tokenizer pattern. */
export function tokenCounter(file: Uint8Array, pattern: RegExp): CountTokens {
  const vocabulary = readTiktoken(file);
  if (vocabulary.size >= MAX_VOCABULARY) throw new Error(`vocabulary: ${vocabulary.size} tokens, at most ${MAX_VOCABULARY - 1} supported`);
  const split = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  const scratch = Buffer.allocUnsafe(CHUNK_CHARS * 3);
  return (texts) => {
    let tokens = 0;
    let counted = 0;
    for (let t = 0; t < texts.length; t++) {
      const text = texts[t]!;
      split.lastIndex = 0;
      let match: RegExpExecArray | null;
      while ((match = split.exec(text)) !== null) {
        const piece = match[0];
        if (piece.length === 0) {
          split.lastIndex++;
          continue;
        }
        for (let from = 0; from < piece.length; ) {
          let to = Math.min(from + CHUNK_CHARS, piece.length);
          // Never split a surrogate pair between two chunks.
          if (to < piece.length && isHighSurrogate(piece.charCodeAt(to - 1))) to--;
          const length = scratch.write(to - from === piece.length ? piece : piece.slice(from, to), 0, 'utf8');
          for (let start = 0; start < length; start += SLICE_BYTES) {
            if (counted >= EXACT_BYTES) {
              const pending = length - start + Buffer.byteLength(piece.slice(to), 'utf8');
              return extrapolate(tokens, counted, pending, texts, t, split.lastIndex);
            }
            const end = Math.min(start + SLICE_BYTES, length);
            tokens += countPiece(vocabulary, scratch, start, end);
            counted += end - start;
          }
          from = to;
        }
      }
    }
    return tokens;
  };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Tokens counted so far plus the uncounted bytes at the same ratio: `pending` bytes of the current
 * piece, texts[t] from `index` on, and the texts after it.
 */
function extrapolate(tokens: number, counted: number, pending: number, texts: readonly string[], t: number, index: number): number {
  let rest = pending + Buffer.byteLength(texts[t]!.slice(index), 'utf8');
  for (let i = t + 1; i < texts.length; i++) rest += Buffer.byteLength(texts[i]!, 'utf8');
  return tokens + Math.ceil((rest * tokens) / counted);
}

let o200k: Promise<CountTokens> | undefined;

/** o200k_base, loaded on first use (about 6 MB of typed arrays once loaded). */
export function o200kCounter(): Promise<CountTokens> {
  o200k ??= (async () => {
    const require = createRequire(import.meta.url);
    const [file, constants] = await Promise.all([
      readFile(require.resolve('gpt-tokenizer/data/o200k_base.tiktoken')),
      import('gpt-tokenizer/encodingParams/constants'),
    ]);
    return tokenCounter(file, constants.O200K_TOKEN_SPLIT_REGEX);
  })();
  return o200k;
}
