/**
 * Keeps the governor's rules at the configuration version the config watcher applied. The rules
 * reload when a change touched the governance tables; a reload that failed (a database error) is
 * retried with backoff while the rules are behind, instead of leaving a lowered budget, a new rate
 * limit or a narrowed allow-list unenforced until some other change.
 *
 * @module
 */
import type { Governor } from './governor.js';

export interface RulesFollowerOptions {
  /** First retry after a failed reload, ms (default 250); doubles up to `maxRetryMs`. */
  firstRetryMs?: number;
  /** Longest wait between retries, ms (default 5000). */
  maxRetryMs?: number;
}

export class RulesFollower {
  readonly #governor: Pick<Governor, 'reload' | 'rulesVersion'>;
  readonly #firstRetryMs: number;
  readonly #maxRetryMs: number;
  /** The version the rules must reach. */
  #wanted = 0;
  #retry: NodeJS.Timeout | undefined;
  #delayMs = 0;
  #closed = false;

  constructor(governor: Pick<Governor, 'reload' | 'rulesVersion'>, options: RulesFollowerOptions = {}) {
    this.#governor = governor;
    this.#firstRetryMs = options.firstRetryMs ?? 250;
    this.#maxRetryMs = options.maxRetryMs ?? 5000;
  }

  /** Whether the rules in force are older than the version they must reach (or never loaded). */
  get behind(): boolean {
    const loaded = this.#governor.rulesVersion;
    return loaded === undefined || loaded < this.#wanted;
  }

  /** The governance tables changed at `version`: reloads now. */
  changed(version: number): void {
    this.#wanted = version;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    void this.#reload();
  }

  /** The rules must be at `version` at least (e.g. after the first load): retries if they are not. */
  expect(version: number): void {
    this.#wanted = version;
    this.#retryIfBehind();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  async #reload(): Promise<void> {
    await this.#governor.reload();
    this.#retryIfBehind();
  }

  #retryIfBehind(): void {
    if (this.#closed) return;
    if (!this.behind) {
      this.#delayMs = 0;
      return;
    }
    if (this.#retry) return;
    this.#delayMs = Math.min(this.#maxRetryMs, this.#delayMs === 0 ? this.#firstRetryMs : this.#delayMs * 2);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#reload();
    }, this.#delayMs);
    this.#retry.unref();
  }
}
