/**
 * A BPE vocabulary (byte sequence → rank) in three typed arrays instead of one JS string per token:
 * every token's bytes back to back, each rank's offset into them, and an open-addressing hash
 * table of ranks. o200k_base (200k tokens) takes about 6 MB this way, none of it scanned by the
 * garbage collector, where a `Map` of strings took ~18 MB of live heap.
 *
 * Read from a `.tiktoken` file (one `<base64 bytes> <rank>` line per token), byte by byte into
 * arrays sized once: loading allocates no string per line and leaves no garbage.
 *
 * @module
 */

/** Looks up byte ranges; built once by `readTiktoken`. */
export interface Vocabulary {
  /** The rank of `bytes[start, end)`, or -1 when no token has exactly those bytes. */
  rank(bytes: Uint8Array, start: number, end: number): number;
  /** Tokens in the vocabulary. */
  readonly size: number;
}

const BASE64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const EQUALS = 0x3d;
const DIGIT_0 = 0x30;

/** FNV-1a over `bytes[start, end)`. */
function hash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Parses a `.tiktoken` file; throws on a malformed line or a duplicate token. */
export function readTiktoken(file: Uint8Array): Vocabulary {
  // Decoded bytes are at most 3/4 of the base64 text, so the file's length bounds them.
  const bytes = new Uint8Array(Math.ceil((file.length * 3) / 4));
  // One token per line (the last may lack its newline): JS arrays grown by push left ~15 MB of
  // garbage, and V8 grew its young generation by 28 MB for it and kept it.
  let lines = 1;
  for (let at = file.indexOf(NEWLINE); at !== -1; at = file.indexOf(NEWLINE, at + 1)) lines++;
  const starts = new Uint32Array(lines);
  const ends = new Uint32Array(lines);
  const ranks = new Int32Array(lines);
  let tokens = 0;
  let written = 0;
  let i = 0;
  while (i < file.length) {
    if (file[i] === NEWLINE) {
      i++;
      continue;
    }
    const start = written;
    let bits = 0;
    let buffered = 0;
    while (i < file.length && file[i] !== SPACE && file[i] !== EQUALS) {
      const value = BASE64[file[i]!] ?? -1;
      if (value < 0) throw new Error(`vocabulary: invalid base64 at byte ${i}`);
      bits = (bits << 6) | value;
      buffered += 6;
      if (buffered >= 8) {
        buffered -= 8;
        bytes[written++] = (bits >> buffered) & 0xff;
      }
      i++;
    }
    while (file[i] === EQUALS) i++;
    if (file[i] !== SPACE || written === start) throw new Error(`vocabulary: malformed line at byte ${i}`);
    i++;
    let rank = 0;
    let digits = 0;
    while (i < file.length && file[i] !== NEWLINE) {
      const digit = file[i]! - DIGIT_0;
      if (digit < 0 || digit > 9) throw new Error(`vocabulary: invalid rank at byte ${i}`);
      rank = rank * 10 + digit;
      digits++;
      i++;
    }
    if (digits === 0) throw new Error(`vocabulary: missing rank at byte ${i}`);
    if (rank > 0x7fffffff) throw new Error(`vocabulary: rank ${rank} too large`);
    starts[tokens] = start;
    ends[tokens] = written;
    ranks[tokens] = rank;
    tokens++;
  }
  // Copies of the used lengths, so that the over-sized buffers are let go.
  return buildVocabulary(bytes.slice(0, written), starts.slice(0, tokens), ends.slice(0, tokens), ranks.slice(0, tokens));
}

function buildVocabulary(bytes: Uint8Array, tokenStart: Uint32Array, tokenEnd: Uint32Array, tokenRank: Int32Array): Vocabulary {
  let slots = 1;
  while (slots < tokenRank.length * 2) slots *= 2;
  const mask = slots - 1;
  // Slot → entry index + 1 (0: empty). The entry keeps its bytes' start and end and its rank.
  const table = new Int32Array(slots);
  const equal = (entry: number, source: Uint8Array, start: number, end: number): boolean => {
    const from = tokenStart[entry]!;
    if (tokenEnd[entry]! - from !== end - start) return false;
    for (let k = 0; k < end - start; k++) if (bytes[from + k] !== source[start + k]) return false;
    return true;
  };
  const find = (source: Uint8Array, start: number, end: number): number => {
    let slot = hash(source, start, end) & mask;
    for (;;) {
      const entry = table[slot]!;
      if (entry === 0) return -1 - slot;
      if (equal(entry - 1, source, start, end)) return entry - 1;
      slot = (slot + 1) & mask;
    }
  };
  for (let entry = 0; entry < tokenRank.length; entry++) {
    const found = find(bytes, tokenStart[entry]!, tokenEnd[entry]!);
    if (found >= 0) throw new Error(`vocabulary: token of rank ${tokenRank[entry]} appears twice`);
    table[-1 - found] = entry + 1;
  }
  return {
    size: tokenRank.length,
    rank(source, start, end) {
      const found = find(source, start, end);
      return found >= 0 ? tokenRank[found]! : -1;
    },
  };
}
