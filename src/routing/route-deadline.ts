/**
 * The signal a routed request's upstream attempts run on: it aborts when the client goes away
 * (with the client's own reason) or when the route's `deadline_ms` passes (with a 504
 * `provider_timeout` naming the route), so the deadline cuts the attempt in flight and closes its
 * upstream connection instead of only stopping further attempts.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';

export class RouteDeadline {
  readonly #controller = new AbortController();
  readonly #client: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  #expired: SwitchboardError | undefined;
  readonly #onClientAbort = (): void => {
    clearTimeout(this.#timer);
    this.#controller.abort(this.#client?.reason);
  };

  constructor(client: AbortSignal | undefined, routeName: string, deadlineMs: number) {
    this.#client = client;
    if (client?.aborted) {
      this.#controller.abort(client.reason);
      return;
    }
    client?.addEventListener('abort', this.#onClientAbort, { once: true });
    this.#timer = setTimeout(() => {
      this.#expired = new SwitchboardError(
        'provider_timeout',
        `The route '${routeName}' reached its deadline of ${deadlineMs} ms (deadline_ms) before an answer arrived.`,
        { status: 504, param: 'model' },
      );
      this.#controller.abort(this.#expired);
    }, deadlineMs);
  }

  /** What the upstream calls and waits of the request listen to. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The deadline's error once it passed (and the client was still there). */
  get expired(): SwitchboardError | undefined {
    return this.#expired;
  }

  /**
   * The answer is committed (a whole response, or a stream past its first delta): the deadline no
   * longer applies. `keepClient` keeps a client's abort reaching a stream still being read.
   */
  disarm(keepClient: boolean): void {
    clearTimeout(this.#timer);
    if (!keepClient) this.#client?.removeEventListener('abort', this.#onClientAbort);
  }
}
