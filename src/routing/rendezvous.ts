/**
 * Weighted rendezvous hashing. Each (route salt, key, target) pair hashes to u in (0, 1); the
 * target's score is -ln(u) / weight and the lowest score wins. Target i then wins with probability
 * wᵢ / Σw (the minimum of independent exponentials), a key keeps its target while weights are
 * unchanged, and raising one target's weight lowers only that target's scores: keys can only move
 * into it. Without a key, u is random: the same formula is weighted random sampling, and sorting by
 * score gives a weighted order without replacement (the fallback order).
 *
 * @module
 */

/** A 53-bit string hash (two 32-bit multiply-xorshift lanes), as a float in (0, 1). */
export function unitHash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const bits = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  // (bits + 0.5) / 2^53: never 0 or 1, so -ln(u) is finite and positive.
  return (bits + 0.5) / 9007199254740992;
}

/** The rendezvous score of a target (lower wins); Infinity for weight 0. */
export function rendezvousScore(u: number, weight: number): number {
  return weight > 0 ? -Math.log(u) / weight : Number.POSITIVE_INFINITY;
}

/** The u of a sticky key for one target of a route. */
export function stickyUnit(salt: string, key: string, targetId: string): number {
  return unitHash(`${salt}\u0000${key}\u0000${targetId}`);
}
