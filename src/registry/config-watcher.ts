/**
 * Keeps a config snapshot current: LISTEN on the config channel, plus a periodic version check that
 * catches lost notifications and poolers without LISTEN. A notification is only a hint (Postgres
 * lets any login NOTIFY): it leads to a version check, debounced, at most `maxWaitMs` late and at
 * least `minIntervalMs` after the previous check or reload; the snapshot is reloaded only when the
 * version moved, and then only the parts whose tables changed since (per-table versions of the
 * version row). The version row and the parts are read in one read-only transaction, so a snapshot
 * never holds half of a transaction. A failed reload keeps the last good snapshot and is retried by
 * the next check.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { Db } from '../db/db.js';
import { configChannel, readConsistently, selectConfigState, type ConfigVersionState } from '../db/sql/config-version.js';
import { errorMessage } from '../errors.js';
import {
  allSnapshotParts, loadConfigSnapshot, loadSnapshotParts, partsForTable, type ConfigSnapshot, type SnapshotPart,
} from './config-snapshot.js';
import type { LoaderOptions } from './provider-loader.js';

export interface ConfigWatcherOptions {
  loader: LoaderOptions;
  /** Version check interval, ms (0 disables it). */
  pollMs: number;
  /** Subscribe to change notifications. */
  listen: boolean;
  /** Quiet time that ends a burst of notifications, ms (default 10). */
  debounceMs?: number;
  /** The longest a notification waits for its burst to end, ms (default 100). */
  maxWaitMs?: number;
  /** The least time from one check or reload to a check a notification asks for, ms (default 50). */
  minIntervalMs?: number;
  /**
   * The longest one statement of a version check or reload may wait for the database, ms (default
   * 30,000; Postgres): past it the check counts as failed (the last good snapshot stays), its
   * connection is discarded and the next check runs. Without it, a database connection
   * dropped silently by the network hangs the check until the kernel gives up (about 15 minutes),
   * and every later check waits behind it: a key revoked meanwhile keeps working on this instance.
   */
  checkTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export type ChangeListener = (snapshot: ConfigSnapshot, parts: ReadonlySet<SnapshotPart>) => void;

const defaultMinIntervalMs = 50;
const defaultCheckTimeoutMs = 30_000;

export class ConfigWatcher {
  readonly #db: Db;
  readonly #options: ConfigWatcherOptions;
  readonly #listeners: ChangeListener[] = [];
  #snapshot: ConfigSnapshot | undefined;
  /** The warning about a version past 2^53 was logged. */
  #unsafeVersionLogged = false;
  /** Parts `refresh()` asked for: reloaded whatever the version says. */
  #requested = new Set<SnapshotPart>();
  /** `refresh()` calls made, and those whose parts a reload has taken and finished. */
  #requestSeq = 0;
  #servedSeq = 0;
  /** A version check is due (the poll, a restored LISTEN). */
  #checkDue = false;
  /**
   * Parts named by notifications since the last check; undefined when none came. Only used where
   * the version cannot tell (no per-table versions, or an unreadable version row).
   */
  #hinted: Set<SnapshotPart> | undefined;
  #firstHintAt = 0;
  /** The hint timer fired: the next step of the worker is a check. */
  #hintDue = false;
  #hintTimer: NodeJS.Timeout | undefined;
  /** When the last check or reload started (performance.now()). */
  #lastRunAt = -Infinity;
  #worker: Promise<void> | undefined;
  #poll: NodeJS.Timeout | undefined;
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

  /** Loads the first snapshot, then starts listening (and checks the version once LISTEN is up) and polling. */
  async start(): Promise<ConfigSnapshot> {
    this.#snapshot = await loadConfigSnapshot(this.#db, this.#options.loader);
    this.#warnIfVersionUnreadable(undefined, this.#snapshot);
    if (this.#options.listen) {
      // A change committed between the load and the LISTEN notified no one here: check once, as
      // when LISTEN is restored (else it waited for the poll).
      if (await this.#subscribe()) this.#requestCheck();
      else this.#scheduleReconnect();
    }
    if (this.#options.pollMs > 0) {
      this.#poll = setInterval(() => this.#requestCheck(), this.#options.pollMs);
      this.#poll.unref();
    }
    return this.#snapshot;
  }

  /** Called after every swap with the new snapshot and the parts that were reloaded. */
  onChange(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Reloads `parts` now (e.g. right after this process wrote a change), with whatever else changed
   * since the version served, and resolves when swapped in (or the reload failed). With no parts,
   * only what changed: a version check that starts after this call.
   */
  async refresh(parts: ReadonlySet<SnapshotPart> = allSnapshotParts): Promise<void> {
    for (const part of parts) this.#requested.add(part);
    const mine = ++this.#requestSeq;
    while (this.#servedSeq < mine && !this.#stopped) await this.#work();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnect);
    clearTimeout(this.#hintTimer);
    clearInterval(this.#poll);
    await this.#unlisten?.().catch(() => {});
    await this.#worker?.catch(() => {});
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

  /** Re-LISTENs with exponential backoff (100 ms … 5 s), then checks for what it may have missed. */
  #scheduleReconnect(): void {
    if (this.#stopped || this.#reconnect) return;
    this.#reconnectDelayMs = Math.min(5000, this.#reconnectDelayMs === 0 ? 100 : this.#reconnectDelayMs * 2);
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined;
      void this.#subscribe().then((ok) => {
        if (!ok) return this.#scheduleReconnect();
        this.#reconnectDelayMs = 0;
        this.#log('info', 'LISTEN connection restored; checking the configuration version');
        this.#requestCheck();
      });
    }, this.#reconnectDelayMs);
    this.#reconnect.unref();
  }

  #requestCheck(): void {
    this.#checkDue = true;
    void this.#work();
  }

  /**
   * A hint: schedules a version check `debounceMs` after the last notification of a burst, at most
   * `maxWaitMs` after its first, and never sooner than `minIntervalMs` after the last check or reload.
   */
  #onNotification(payload: string): void {
    if (this.#stopped) return;
    const now = performance.now();
    if (this.#hinted === undefined) {
      this.#hinted = new Set();
      this.#firstHintAt = now;
    }
    for (const part of partsForTable(tableOf(payload))) this.#hinted.add(part);
    if (this.#hintDue) return;
    const settled = Math.min(now + (this.#options.debounceMs ?? 10), this.#firstHintAt + (this.#options.maxWaitMs ?? 100));
    const due = Math.max(settled, this.#lastRunAt + (this.#options.minIntervalMs ?? defaultMinIntervalMs));
    clearTimeout(this.#hintTimer);
    this.#hintTimer = setTimeout(() => {
      this.#hintTimer = undefined;
      this.#hintDue = true;
      void this.#work();
    }, Math.max(0, due - now));
    this.#hintTimer.unref();
  }

  /** Runs the pending refreshes and checks one at a time; callers join the running worker. */
  #work(): Promise<void> {
    this.#worker ??= this.#loop().finally(() => {
      this.#worker = undefined;
      // Work that arrived after the loop's last look.
      if (this.#pending()) void this.#work();
    });
    return this.#worker;
  }

  #pending(): boolean {
    return !this.#stopped && (this.#servedSeq < this.#requestSeq || this.#checkDue || this.#hintDue);
  }

  async #loop(): Promise<void> {
    while (this.#pending()) {
      const forced = this.#requested;
      const served = this.#requestSeq;
      this.#requested = new Set();
      await this.#check(forced);
      this.#servedSeq = served;
    }
  }

  /**
   * Reads the version row and reloads what changed since the snapshot's version, with the `forced`
   * parts (a refresh) whatever the version says. The version row (read again when it moved) and the
   * parts are read in one read-only transaction: the snapshot holds a transaction that commits
   * meanwhile entirely or not at all, and is tagged with the version it was read at.
   */
  async #check(forced: ReadonlySet<SnapshotPart>): Promise<void> {
    const hints = this.#hinted;
    this.#hinted = undefined;
    this.#hintDue = false;
    this.#checkDue = false;
    clearTimeout(this.#hintTimer);
    this.#hintTimer = undefined;
    this.#lastRunAt = performance.now();
    const progress = { reloading: false };
    let loaded: { next: ConfigSnapshot; parts: ReadonlySet<SnapshotPart> } | undefined;
    const timeoutMs = this.#options.checkTimeoutMs ?? defaultCheckTimeoutMs;
    const bounded = { timeoutMs };
    const read = async (): Promise<typeof loaded> => {
      // Nothing changed (most polls, any forged notification): one statement, no transaction.
      if (forced.size === 0 && this.#changedParts(await selectConfigState(this.#db, bounded), hints).size === 0) return undefined;
      return readConsistently(this.#db, async (tx) => {
        const state = await selectConfigState(tx);
        const parts = new Set([...forced, ...this.#changedParts(state, hints)]);
        if (parts.size === 0) return undefined;
        progress.reloading = true;
        return { parts, next: await loadSnapshotParts(tx, state.version, this.#options.loader, this.#snapshot, parts) };
      }, bounded);
    };
    try {
      // Every statement is bounded by the driver (Postgres): a silently dropped connection fails the
      // check after `timeoutMs` instead of hanging it, and every later one behind it.
      loaded = await read();
    } catch (error) {
      this.#keepHints(hints);
      const version = this.#snapshot?.version;
      if (progress.reloading) this.#log('error', `configuration reload failed; still serving version ${version}: ${errorMessage(error)}`);
      else this.#log('warn', `config version check failed; still serving version ${version}: ${errorMessage(error)}`);
      return;
    }
    if (loaded) this.#swap(loaded.next, loaded.parts);
  }

  /** The parts to reload after reading `state`; empty when nothing changed. */
  #changedParts(state: ConfigVersionState, hints: ReadonlySet<SnapshotPart> | undefined): ReadonlySet<SnapshotPart> {
    // Past 2^53 (set by hand: triggers count one per write) a version no longer reads exactly, and
    // a change can read as the version served: every check reloads everything rather than miss one.
    if (!Number.isSafeInteger(state.version)) {
      if (!this.#unsafeVersionLogged) {
        this.#unsafeVersionLogged = true;
        this.#log('warn', `the config version is past 2^53 (${state.version}), so changes cannot be told apart: every version check reloads the whole configuration; set public.switchboard_config_version.version back below it`);
      }
      return allSnapshotParts;
    }
    const loaded = this.#snapshot?.version ?? 0;
    // An unreadable version row (0) cannot tell: the notifications decide, as rate-limited hints.
    if (state.version === loaded) return state.version === 0 && hints ? hints : new Set();
    // Lower: a restored or replaced database. No per-table versions (not migrated yet): what the
    // notifications named, or everything for the poll.
    if (state.version < loaded || state.tableVersions === undefined) return state.version > loaded && hints ? hints : allSnapshotParts;
    const parts = new Set<SnapshotPart>();
    for (const [table, version] of state.tableVersions) {
      if (version > loaded) for (const part of partsForTable(table)) parts.add(part);
    }
    // The version moved without a table saying so (bumped by hand): reload everything.
    return parts.size > 0 ? parts : allSnapshotParts;
  }

  /** Hints of a check that failed count for the next one. */
  #keepHints(hints: ReadonlySet<SnapshotPart> | undefined): void {
    if (hints === undefined) return;
    if (this.#hinted === undefined) {
      this.#hinted = new Set();
      this.#firstHintAt = performance.now();
    }
    for (const part of hints) this.#hinted.add(part);
  }

  #swap(next: ConfigSnapshot, parts: ReadonlySet<SnapshotPart>): void {
    this.#warnIfVersionUnreadable(this.#snapshot, next);
    this.#snapshot = next;
    for (const listener of this.#listeners) listener(next, parts);
    this.#log('info', 'configuration reloaded', { version: next.version, parts: [...parts] });
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

/** The table a notification names; '' (everything) when it names none or cannot be read. */
function tableOf(payload: string): string {
  try {
    const table = (JSON.parse(payload) as { table?: unknown } | null)?.table;
    return typeof table === 'string' ? table : '';
  } catch {
    return '';
  }
}
