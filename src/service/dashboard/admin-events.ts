/**
 * The dashboard's live events, fanned out to every connected stream: `config` when this instance
 * applies a new configuration version, `usage` (at most once per poll) when new ledger rows exist,
 * `instances` when an instance appears, leaves, changes version or stops answering. While at
 * least one stream is connected, one query per poll (default 1 s) reads the ledger's max(id) and a
 * digest of the instances; with none, nothing runs.
 *
 * @module
 */
import type { Queryable } from '../../db/db.js';
import { errorMessage } from '../../errors.js';

export type AdminEvent =
  | { event: 'config'; data: { version: number } }
  | { event: 'usage'; data: { last_id: string } }
  | { event: 'instances'; data: { count: number } };

export type AdminEventListener = (event: AdminEvent) => void;

export interface AdminEventHubOptions {
  db: Queryable;
  /** Most concurrent streams (default 16). */
  maxStreams?: number;
  /** Poll interval, ms (default 1000). */
  pollMs?: number;
  /** Instances not seen for this long are reported dead (default 15000, as GET /instances). */
  aliveMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

interface PollState {
  lastId: string;
  instances: string;
  count: number;
}

export class AdminEventHub {
  readonly #options: AdminEventHubOptions;
  readonly #listeners = new Set<AdminEventListener>();
  #timer: NodeJS.Timeout | undefined;
  #state: PollState | undefined;
  #polling = false;
  #version: number | undefined;

  constructor(options: AdminEventHubOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#listeners.size;
  }

  get maxStreams(): number {
    return this.#options.maxStreams ?? 16;
  }

  /** Adds a stream; undefined when the limit is reached. The result unsubscribes. */
  subscribe(listener: AdminEventListener): (() => void) | undefined {
    if (this.#listeners.size >= this.maxStreams) return undefined;
    this.#listeners.add(listener);
    if (!this.#timer) {
      this.#state = undefined;
      this.#timer = setInterval(() => void this.#poll(), this.#options.pollMs ?? 1000);
      this.#timer.unref();
      void this.#poll();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** Called when this instance swapped in a configuration snapshot. */
  configApplied(version: number): void {
    if (version === this.#version) return;
    this.#version = version;
    this.#emit({ event: 'config', data: { version } });
  }

  /** Called when the ledger writer of this instance flushed rows (saves waiting for the poll). */
  usageFlushed(): void {
    if (this.#timer) void this.#poll();
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const result = await this.#options.db.query<PollState>(
        `select coalesce((select max(id) from public.ai_usage), 0)::text as "lastId",
                coalesce(md5(string_agg(i.id || ':' || i.config_version || ':' || (i.last_seen > clock_timestamp() - make_interval(secs => $1::float8 / 1000)), ',' order by i.id)), '') as instances,
                count(i.id)::int as count
           from public.switchboard_instances i`,
        [this.#options.aliveMs ?? 15_000],
      );
      const next = result.rows[0];
      if (!next) return;
      const previous = this.#state;
      this.#state = next;
      if (!previous) return;
      if (next.lastId !== previous.lastId) this.#emit({ event: 'usage', data: { last_id: next.lastId } });
      if (next.instances !== previous.instances) this.#emit({ event: 'instances', data: { count: next.count } });
    } catch (error) {
      this.#options.log?.('warn', `dashboard events poll failed: ${errorMessage(error)}`);
    } finally {
      this.#polling = false;
    }
  }

  #emit(event: AdminEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // One broken stream must not stop the others.
      }
    }
  }
}
