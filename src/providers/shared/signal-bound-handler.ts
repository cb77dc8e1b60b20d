import type { Dispatcher } from 'undici';
import { errors as undiciErrors } from './undici.js';
import type { CancelSignal } from '../../cancel.js';

/**
 * The part of an undici dispatch handler that ties the request to the caller's CancelSignal:
 * aborting the signal (also before the request started) aborts the request, and the listener is
 * removed once the answer is over.
 */
export abstract class SignalBoundHandler {
  protected readonly signal: CancelSignal;
  protected controller: Dispatcher.DispatchController | undefined;
  #listening = false;
  readonly #onAbort = (): void => {
    this.abortRequest(this.signal.reason ?? new undiciErrors.RequestAbortedError());
  };

  constructor(signal: CancelSignal) {
    this.signal = signal;
    if (!signal.aborted) {
      signal.addEventListener('abort', this.#onAbort);
      this.#listening = true;
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Aborted while queued: nothing has been written yet, and nothing will be.
    if (this.signal.aborted) this.#onAbort();
  }

  /** Aborts the request (subclasses may skip it when the answer is already complete). */
  protected abortRequest(reason: unknown): void {
    this.controller?.abort(reason instanceof Error ? reason : new undiciErrors.RequestAbortedError());
  }

  /**
   * Lets go of the answer's raw header buffers. undici (7.x) hands a new-style handler a
   * controller that keeps the raw headers (a Buffer per name and value, ~1.7 KB) for as long as
   * the request lives; a held stream has already read them as `headers`. Not part of undici's
   * typed API, hence the guard: without the field this does nothing.
   */
  protected forgetRawHeaders(controller: Dispatcher.DispatchController): void {
    const raw = controller as { rawHeaders?: unknown };
    if (raw.rawHeaders != null) raw.rawHeaders = null;
  }

  protected stopListening(): void {
    if (this.#listening) {
      this.#listening = false;
      this.signal.removeEventListener('abort', this.#onAbort);
    }
  }
}
