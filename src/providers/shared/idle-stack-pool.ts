import type { Client as ClientType, Dispatcher as DispatcherType, errors as ErrorTypes } from 'undici';
import { buildConnector, Client, Dispatcher, errors } from './undici.js';

export interface IdleStackPoolOptions {
  connectTimeoutMs: number;
  keepAliveTimeout: number;
  keepAliveMaxTimeout: number;
}

/** Stale entries tolerated on the idle stack before it is compacted (see #drop). */
const COMPACT_AFTER = 64;

/**
 * One origin's connections for the UpstreamAgent: undici Clients, each with one request at a time
 * (HTTP/1.1 without pipelining), and the idle ones on a stack. A request takes the client freed
 * last (its connection is the warmest) or a new one: O(1) however many streams are held open.
 * undici's Pool looks for a free client by scanning all of them, twice per request (the second
 * time to learn whether it is now full), so with N streams held each new request cost O(N) and a
 * ramp to 5,000 held streams O(N²). A client whose connection closes is dropped, not kept for
 * reuse, so a burst of held streams leaves no thousands of idle clients behind.
 *
 * No cap and no queue: the UpstreamAgent refuses requests over its limit before they get here.
 * Events are undici's pool events (`connect`, `disconnect`, `connectionError`, with this pool
 * first among the targets), which the Agent uses to close an origin's pool once its last
 * connection is gone.
 */
/** A client and where it stands (plain fields: a request's take and free do no hashing). */
interface Held {
  readonly client: ClientType;
  /** On the idle stack. */
  idle: boolean;
  /** Its connection closed or failed: never taken again. */
  dropped: boolean;
}

export class IdleStackPool extends Dispatcher {
  readonly #origin: string | URL;
  readonly #clientOptions: ClientType.Options;
  /** Every client in use or idle, by client (the events name the client); dropped ones leave. */
  readonly #held = new Map<ClientType, Held>();
  /** Idle clients, the one freed last on top; may hold dropped ones (skipped, compacted). */
  #idle: Held[] = [];
  /** Idle clients on the stack that are not dropped. */
  #idleCount = 0;
  #closed = false;
  #destroyed = false;
  readonly #onConnect = (origin: URL, targets: readonly DispatcherType[]): void => {
    this.emit('connect', origin, [this, ...targets]);
  };
  readonly #onDisconnect = (origin: URL, targets: readonly DispatcherType[], error: ErrorTypes.UndiciError): void => {
    this.#drop(targets[0] as ClientType, true);
    this.emit('disconnect', origin, [this, ...targets], error);
  };
  readonly #onConnectionError = (origin: URL, targets: readonly DispatcherType[], error: ErrorTypes.UndiciError): void => {
    // undici's Pool drops such a client without closing it: it cannot be closed in this state.
    this.#drop(targets[0] as ClientType, false);
    this.emit('connectionError', origin, [this, ...targets], error);
  };

  constructor(origin: string | URL, options: IdleStackPoolOptions) {
    super();
    this.#origin = origin;
    this.#clientOptions = {
      // One connector per origin, as undici's Pool builds it: its TLS sessions are shared.
      connect: buildConnector({ timeout: options.connectTimeoutMs }),
      keepAliveTimeout: options.keepAliveTimeout,
      keepAliveMaxTimeout: options.keepAliveMaxTimeout,
      pipelining: 1,
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Clients held (in use or idle), and of those idle: for tests and diagnostics. */
  get size(): { clients: number; idle: number } {
    return { clients: this.#held.size, idle: this.#idleCount };
  }

  override dispatch(options: DispatcherType.DispatchOptions, handler: DispatcherType.DispatchHandler): boolean {
    // The Agent's own dispatch catches this and hands it to the request's handler.
    if (this.#destroyed) throw new errors.ClientDestroyedError();
    if (this.#closed) throw new errors.ClientClosedError();
    const held = this.#takeIdle() ?? this.#create();
    // true: the client can take another request at once (it never can with one at a time).
    if (held.client.dispatch(options, handler)) this.#free(held);
    return true;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    const closing = Promise.all([...this.#held.keys()].map((client) => client.close())).then(() => undefined);
    this.#forgetAll();
    if (!callback) return closing;
    void closing.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | void {
    const error = typeof first === 'function' ? null : (first ?? null);
    const callback = typeof first === 'function' ? first : second;
    this.#closed = true;
    this.#destroyed = true;
    const destroying = Promise.all([...this.#held.keys()].map((client) => client.destroy(error))).then(() => undefined);
    this.#forgetAll();
    if (!callback) return destroying;
    void destroying.then(callback);
  }

  #create(): Held {
    const client = new Client(this.#origin, this.#clientOptions);
    const held: Held = { client, idle: false, dropped: false };
    client.on('drain', () => this.#free(held));
    client.on('connect', this.#onConnect);
    client.on('disconnect', this.#onDisconnect);
    client.on('connectionError', this.#onConnectionError);
    this.#held.set(client, held);
    return held;
  }

  /** The client freed last that is not dropped, or undefined. */
  #takeIdle(): Held | undefined {
    const idle = this.#idle;
    while (idle.length > 0) {
      const held = idle.pop() as Held;
      held.idle = false;
      if (!held.dropped) {
        this.#idleCount -= 1;
        return held;
      }
    }
    return undefined;
  }

  /** A client that finished its request goes on top of the stack (once; never a dropped one). */
  #free(held: Held): void {
    if (held.dropped || held.idle) return;
    held.idle = true;
    this.#idleCount += 1;
    this.#idle.push(held);
  }

  /**
   * Forgets a client whose connection closed (closing it once its requests are done) or failed.
   * Its place on the stack is freed lazily: skipped when reached, and the stack compacted once
   * dropped entries are the majority.
   */
  #drop(client: ClientType, close: boolean): void {
    const held = this.#held.get(client);
    if (held === undefined) return;
    this.#held.delete(client);
    held.dropped = true;
    if (close) void client.close().catch(() => undefined);
    if (!held.idle) return;
    this.#idleCount -= 1;
    const stale = this.#idle.length - this.#idleCount;
    if (stale > COMPACT_AFTER && stale * 2 > this.#idle.length) this.#idle = this.#idle.filter((entry) => !entry.dropped);
  }

  #forgetAll(): void {
    for (const held of this.#held.values()) held.dropped = true;
    this.#held.clear();
    this.#idle = [];
    this.#idleCount = 0;
  }
}
