/**
 * A gate for a mock's streams: each stream that arrives waits until `size` of them are open, then
 * all go on together. A gateway that serves streams side by side fills it; one that served them one
 * after another (or fewer at a time) never would, so the gate gives up after `giveUpMs` (only to
 * end the test with a clear failure: `filled` stays false) instead of hanging.
 *
 * @module
 */
export class StreamGate {
  readonly size: number;
  #arrived = 0;
  #filled = false;
  #release: (() => void) | undefined;
  readonly #opened: Promise<void>;
  readonly #timer: NodeJS.Timeout;

  constructor(size: number, giveUpMs = 60_000) {
    this.size = size;
    this.#opened = new Promise((resolve) => (this.#release = resolve));
    this.#timer = setTimeout(() => this.#release?.(), giveUpMs);
  }

  /** Streams that arrived so far. */
  get arrived(): number {
    return this.#arrived;
  }

  /** All `size` streams were open at once (false: the gate gave up, or is still waiting). */
  get filled(): boolean {
    return this.#filled;
  }

  /** Called by a stream when it starts: resolves once `size` streams have (or the gate gave up). */
  arrive(): Promise<void> {
    this.#arrived += 1;
    if (this.#arrived === this.size) {
      this.#filled = true;
      clearTimeout(this.#timer);
      this.#release?.();
    }
    return this.#opened;
  }
}
