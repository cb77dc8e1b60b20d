import { errors as undiciErrors, type Dispatcher } from 'undici';
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

  protected stopListening(): void {
    if (this.#listening) {
      this.#listening = false;
      this.signal.removeEventListener('abort', this.#onAbort);
    }
  }
}
