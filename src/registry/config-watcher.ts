/**
 * Keeps a config snapshot current: LISTEN on the config channel (reloading only the parts a
 * change touched, debounced), plus a periodic version check that catches lost notifications and
 * poolers without LISTEN. A failed reload keeps the last good snapshot and is retried by the next
 * check.
 *
 * @module
 */
import type { Db } from '../db/db.js';
import { configChannel, selectConfigVersion } from '../db/sql/config-version.js';
import { errorMessage } from '../errors.js';
import { loadConfigSnapshot, partsForTable, type ConfigSnapshot, type SnapshotPart } from './config-snapshot.js';
import type { LoaderOptions } from './provider-loader.js';

export interface ConfigWatcherOptions {
  loader: LoaderOptions;
  /** Version check interval, ms (0 disables it). */
  pollMs: number;
  /** Subscribe to change notifications. */
  listen: boolean;
  /** Coalesces bursts of notifications, ms. */
  debounceMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export type ChangeListener = (snapshot: ConfigSnapshot, parts: ReadonlySet<SnapshotPart>) => void;

const allParts: ReadonlySet<SnapshotPart> = new Set(['registry', 'apiKeys', 'credentials', 'routes']);

export class ConfigWatcher {
  readonly #db: Db;
  readonly #options: ConfigWatcherOptions;
  readonly #listeners: ChangeListener[] = [];
  #snapshot: ConfigSnapshot | undefined;
  #pending = new Set<SnapshotPart>();
  #debounce: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #reconnectDelayMs = 0;
  #stopped = false;

  constructor(db: Db, options: ConfigWatcherOptions) {
    this.#db = db;
    this.#options = options;
  }

  /** The snapshot requests should use now. */
  get snapshot(): ConfigSnapshot {
    if (!this.#snapshot) throw new Error('ConfigWatcher.start() has not completed');
    return this.#snapshot;
  }

  /** Loads the first snapshot, then starts listening and polling. */
  async start(): Promise<ConfigSnapshot> {
    this.#snapshot = await loadConfigSnapshot(this.#db, this.#options.loader);
    this.#warnIfVersionUnreadable(undefined, this.#snapshot);
    if (this.#options.listen && !(await this.#subscribe())) this.#scheduleReconnect();
    if (this.#options.pollMs > 0) {
      this.#poll = setInterval(() => void this.#checkVersion(), this.#options.pollMs);
      this.#poll.unref();
    }
    return this.#snapshot;
  }

  /** Called after every swap with the new snapshot and the parts that were reloaded. */
  onChange(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  /** Reloads now (e.g. right after this process wrote a change) and resolves when swapped in. */
  async refresh(parts: ReadonlySet<SnapshotPart> = allParts): Promise<void> {
    for (const part of parts) this.#pending.add(part);
    await this.#drain();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnect);
    clearTimeout(this.#debounce);
    clearInterval(this.#poll);
    await this.#unlisten?.().catch(() => {});
    await this.#running?.catch(() => {});
  }

  /** LISTENs; true on success. A lost connection schedules a reconnect. */
  async #subscribe(): Promise<boolean> {
    try {
      this.#unlisten = await this.#db.listen(
        configChannel,
        (payload) => this.#onNotification(payload),
        (error) => {
          this.#unlisten = undefined;
          this.#log('warn', `lost the LISTEN connection (${errorMessage(error)}); reconnecting`);
          this.#scheduleReconnect();
        },
      );
      return true;
    } catch (error) {
      this.#log('warn', `LISTEN ${configChannel} failed (${errorMessage(error)}); retrying, the version poll covers the gap`);
      return false;
    }
  }

  /** Re-LISTENs with exponential backoff (100 ms … 5 s), then reloads everything it may have missed. */
  #scheduleReconnect(): void {
    if (this.#stopped || this.#reconnect) return;
    this.#reconnectDelayMs = Math.min(5000, this.#reconnectDelayMs === 0 ? 100 : this.#reconnectDelayMs * 2);
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined;
      void this.#subscribe().then(async (ok) => {
        if (!ok) return this.#scheduleReconnect();
        this.#reconnectDelayMs = 0;
        this.#log('info', 'LISTEN connection restored; reloading the configuration');
        await this.refresh();
      });
    }, this.#reconnectDelayMs);
    this.#reconnect.unref();
  }

  #onNotification(payload: string): void {
    let table = '';
    try {
      table = String((JSON.parse(payload) as { table?: unknown }).table ?? '');
    } catch {
      // An unreadable payload still means "something changed".
    }
    for (const part of partsForTable(table)) this.#pending.add(part);
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.#drain(), this.#options.debounceMs ?? 10);
  }

  async #checkVersion(): Promise<void> {
    if (this.#stopped || this.#running) return;
    try {
      const version = await selectConfigVersion(this.#db);
      if (version !== this.#snapshot?.version) await this.refresh();
    } catch (error) {
      this.#log('warn', `config version check failed; still serving version ${this.#snapshot?.version}: ${errorMessage(error)}`);
    }
  }

  /** Runs reloads one at a time until nothing is pending. */
  async #drain(): Promise<void> {
    while (this.#running) await this.#running.catch(() => {});
    if (this.#pending.size === 0 || this.#stopped) return;
    const parts = this.#pending;
    this.#pending = new Set();
    this.#running = this.#reload(parts);
    try {
      await this.#running;
    } finally {
      this.#running = undefined;
    }
    if (this.#pending.size > 0) await this.#drain();
  }

  async #reload(parts: ReadonlySet<SnapshotPart>): Promise<void> {
    try {
      const next = await loadConfigSnapshot(this.#db, this.#options.loader, this.#snapshot, parts);
      this.#warnIfVersionUnreadable(this.#snapshot, next);
      this.#snapshot = next;
      for (const listener of this.#listeners) listener(next, parts);
      this.#log('info', 'configuration reloaded', { version: next.version, parts: [...parts] });
    } catch (error) {
      this.#log('error', `configuration reload failed; still serving version ${this.#snapshot?.version}: ${errorMessage(error)}`);
    }
  }

  /** Version 0 means the row is invisible to this role: say so once, when it starts. */
  #warnIfVersionUnreadable(previous: ConfigSnapshot | undefined, next: ConfigSnapshot): void {
    if (next.version !== 0 || previous?.version === 0) return;
    this.#log(
      'warn',
      'the config version reads 0: this database role cannot read public.switchboard_config_version (row-level security or a missing grant); ' +
        'the version poll will not see configuration changes and /readyz answers 503',
    );
  }

  #log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.#options.log?.(level, message, fields);
  }
}
