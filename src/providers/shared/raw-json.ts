/**
 * The client's own JSON text of a request body's long strings, so the upstream body can carry
 * them as they came instead of escaping them again. A gateway that validates and translates a
 * request builds a new body, and Node 20's `JSON.stringify` escapes about 1.2 ns per character:
 * ~130 µs for a 100 KB prompt, on every call (docs/benchmark-history.md, long prompts).
 *
 * `server/raw-literals.ts` finds the literals; `request-body.ts` splices them in. The map is per
 * request (a `RawJson` on the exchange) and taken once: only the request's own upstream body can
 * use it, so whatever happens, no literal from one client reaches another's upstream, and nothing
 * of the request body outlives its first upstream call.
 *
 * @module
 */

/** String literals (quotes included) of at least this many bytes are kept. */
export const RAW_MIN_BYTES = 16 * 1024;

/** A request's raw literals, handed out once (to its first upstream body). */
export class RawJson {
  #map: ReadonlyMap<string, Buffer> | undefined;

  constructor(map: ReadonlyMap<string, Buffer>) {
    this.#map = map;
  }

  /** The map of decoded text to literal bytes; undefined after the first call. */
  take(): ReadonlyMap<string, Buffer> | undefined {
    const map = this.#map;
    this.#map = undefined;
    return map;
  }
}
