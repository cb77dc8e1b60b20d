/**
 * Reports this gateway instance to `switchboard_instances`: at start, whenever it applies a new
 * configuration version, and on a heartbeat (default every 5 s); removes the row on stop. All of
 * it runs off the request path, and a failed report is logged and retried by the next beat.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Queryable } from '../../db/db.js';
import { removeInstance, reportInstance } from '../../db/sql/instances.js';
import { errorMessage } from '../../errors.js';

export interface InstanceReporterOptions {
  db: Queryable;
  /** The configuration version this instance serves now. */
  version: () => number;
  /** Heartbeat interval, ms (default 5000). */
  intervalMs?: number;
  /** Overrides the generated id (`<hostname>-<pid>-<random>`). */
  id?: string;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** A new instance id: host, pid and 6 random hex digits (unique across restarts and containers). */
export function newInstanceId(): string {
  return `${hostname().slice(0, 100)}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class InstanceReporter {
  readonly id: string;
  readonly startedAt = new Date();
  readonly #options: InstanceReporterOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #failing = false;

  constructor(options: InstanceReporterOptions) {
    this.#options = options;
    this.id = options.id ?? newInstanceId();
  }

  /** Reports now and starts the heartbeat. */
  async start(): Promise<void> {
    await this.report();
    this.#timer = setInterval(() => void this.report(), this.#options.intervalMs ?? 5000);
    this.#timer.unref();
  }

  /** Reports now (one report at a time; a call during one runs once more after it). */
  report(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#reportOnce();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops the heartbeat and removes this instance's row. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
    await removeInstance(this.#options.db, this.id).catch((error: unknown) => {
      this.#options.log?.('warn', `could not remove instance ${this.id} from switchboard_instances: ${errorMessage(error)}`);
    });
  }

  async #reportOnce(): Promise<void> {
    try {
      await reportInstance(this.#options.db, {
        id: this.id,
        hostname: hostname(),
        pid: process.pid,
        startedAt: this.startedAt,
        configVersion: this.#options.version(),
      });
      if (this.#failing) this.#options.log?.('info', 'instance heartbeat restored', { instance: this.id });
      this.#failing = false;
    } catch (error) {
      // Logged once per outage, not every beat.
      if (!this.#failing) this.#options.log?.('warn', `instance heartbeat failed (retrying every beat): ${errorMessage(error)}`, { instance: this.id });
      this.#failing = true;
    }
  }
}
