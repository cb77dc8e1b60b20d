/**
 * Byte-pair merging, counting only: how many tokens one pre-tokenized piece becomes. The rule is
 * tiktoken's: while two adjacent parts together form a token, merge the pair of lowest rank (the
 * leftmost of equal ones). Short pieces scan for that pair (quadratic, but tiny); longer ones keep
 * the pairs in a heap, so a long run of one letter costs n log n instead of n².
 *
 * @module
 */
import type { Vocabulary } from './vocabulary.js';

/** Pieces up to this many bytes are merged by scanning; longer ones through the heap. */
export const SCAN_MAX_BYTES = 64;
/** The longest piece merged as one: longer pieces are counted in slices of this size. */
export const SLICE_BYTES = 4096;

const NONE = 0x7fffffff;
// Scratch space, sized for one slice.
const bounds = new Int32Array(SLICE_BYTES + 1);
const pairRanks = new Int32Array(SLICE_BYTES);
const next = new Int32Array(SLICE_BYTES + 1);
const previous = new Int32Array(SLICE_BYTES + 1);
const heap = new Int32Array(SLICE_BYTES * 4);

/** Tokens of `bytes[start, end)`, a piece of at most SLICE_BYTES bytes. */
export function countPiece(vocabulary: Vocabulary, bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length <= 1) return length;
  if (vocabulary.rank(bytes, start, end) >= 0) return 1;
  return length <= SCAN_MAX_BYTES ? mergeByScan(vocabulary, bytes, start, end) : mergeByHeap(vocabulary, bytes, start, end);
}

/** tiktoken's merge loop: find the lowest pair, merge it, recompute its two neighbours. */
export function mergeByScan(vocabulary: Vocabulary, bytes: Uint8Array, start: number, end: number): number {
  let parts = end - start;
  for (let i = 0; i <= parts; i++) bounds[i] = start + i;
  const pairRank = (i: number): number => {
    if (i + 2 > parts) return NONE;
    const rank = vocabulary.rank(bytes, bounds[i]!, bounds[i + 2]!);
    return rank < 0 ? NONE : rank;
  };
  for (let i = 0; i < parts - 1; i++) pairRanks[i] = pairRank(i);
  for (;;) {
    let lowest = NONE;
    let at = -1;
    for (let i = 0; i < parts - 1; i++) {
      if (pairRanks[i]! < lowest) {
        lowest = pairRanks[i]!;
        at = i;
      }
    }
    if (at < 0) return parts;
    // Part at + 1 joins part at: drop its bound and its pair.
    bounds.copyWithin(at + 1, at + 2, parts + 1);
    pairRanks.copyWithin(at + 1, at + 2, parts - 1);
    parts--;
    pairRanks[at] = pairRank(at);
    if (at > 0) pairRanks[at - 1] = pairRank(at - 1);
  }
}

/**
 * The same merges with a binary heap of (rank, position) keys. A key is stale when its part has
 * been merged away or its pair's rank has changed; a part's pair only grows, so an unchanged rank
 * means an unchanged pair.
 */
export function mergeByHeap(vocabulary: Vocabulary, bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  let size = 0;
  const push = (key: number): void => {
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= key) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = key;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap[--size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  };
  // Parts are named by their first byte's position; next[p] is the following part's (length: none).
  const pairRank = (part: number): number => {
    const second = next[part]!;
    if (second >= length) return NONE;
    const rank = vocabulary.rank(bytes, start + part, start + next[second]!);
    return rank < 0 ? NONE : rank;
  };
  for (let p = 0; p <= length; p++) {
    next[p] = p + 1;
    previous[p] = p - 1;
  }
  for (let p = 0; p < length - 1; p++) {
    pairRanks[p] = pairRank(p);
    if (pairRanks[p] !== NONE) push(pairRanks[p]! * SLICE_BYTES + p);
  }
  let parts = length;
  while (size > 0) {
    const key = pop();
    const part = key % SLICE_BYTES;
    const rank = (key - part) / SLICE_BYTES;
    if (pairRanks[part] !== rank) continue;
    const merged = next[part]!;
    next[part] = next[merged]!;
    previous[next[merged]!] = part;
    pairRanks[merged] = NONE;
    parts--;
    pairRanks[part] = pairRank(part);
    if (pairRanks[part] !== NONE) push(pairRanks[part]! * SLICE_BYTES + part);
    const before = previous[part]!;
    if (before >= 0) {
      pairRanks[before] = pairRank(before);
      if (pairRanks[before] !== NONE) push(pairRanks[before]! * SLICE_BYTES + before);
    }
  }
  return parts;
}
