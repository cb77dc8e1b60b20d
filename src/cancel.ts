/**
 * A request's cancellation without an AbortController. On Node 20 a controller and its signal
 * (an EventTarget) cost several microseconds per request to create, and as much again for the
 * listener the upstream call adds and removes, while a request is cancelled at most once, by at
 * most a handful of listeners. `Cancel` is both the controller and the signal, with the part of
 * `AbortSignal` that Switchboard and Node's own `{ signal }` options use: `aborted`, `reason`,
 * `throwIfAborted()` and `abort` listeners.
 *
 * Everything that takes a signal takes a `CancelSignal`, which a real `AbortSignal` also is: a
 * library caller still passes its own `AbortSignal` in the call context.
 *
 * @module
 */

/** An abort listener; it is given an event of type `abort` (Node's own listeners ignore it). */
type AbortListener = (event?: unknown) => void;

/** What a call listens to for cancellation: an `AbortSignal`, or a `Cancel`. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: AbortListener, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: AbortListener): void;
}

/** What cancels a `CancelSignal`: an `AbortController`, or a `Cancel`. */
export interface CancelController {
  readonly signal: CancelSignal;
  abort(reason?: unknown): void;
}

const abortEvent = Object.freeze({ type: 'abort' as const });

export class Cancel implements CancelSignal, CancelController {
  #aborted = false;
  #reason: unknown = undefined;
  /** Most requests have one listener (the upstream call) at a time. */
  #listeners: AbortListener[] | undefined;

  get signal(): CancelSignal {
    return this;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  /** Aborts once: later calls are ignored, as `AbortController.abort` does. */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners === undefined) return;
    for (const listener of listeners) {
      try {
        listener.call(this, abortEvent);
      } catch (error) {
        // As an EventTarget does: a throwing listener neither stops the others nor the caller.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }

  /**
   * Listeners run once, on abort (so `once` changes nothing); none runs for an abort that already
   * happened, as with an EventTarget.
   */
  addEventListener(type: 'abort', listener: AbortListener, _options?: { once?: boolean }): void {
    if (type !== 'abort' || this.#aborted) return;
    const listeners = (this.#listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(type: 'abort', listener: AbortListener): void {
    const listeners = this.#listeners;
    if (type !== 'abort' || listeners === undefined) return;
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  }
}

/** The signal of a call nobody can cancel: never aborts, keeps no listener. */
export const neverCancelled: CancelSignal = Object.freeze({
  aborted: false,
  reason: undefined,
  throwIfAborted(): void {},
  addEventListener(): void {},
  removeEventListener(): void {},
});
