/**
 * Credentials a vendor refused (401/403) or found out of quota: blocked for a while, per (project,
 * provider), so routes skip them and never retry them. The instance that saw the refusal shares the
 * block (the Router writes it to `ai_credential_blocks`); blocks shared by the others are applied
 * with `applyShared`. A change of any credential row clears every block (the operator fixed the key),
 * and a change of a provider row lifts that provider's blocks (`liftProviders`): the database
 * deletes the shared rows of both.
 *
 * @module
 */
import type { CredentialBlockRow } from '../db/sql/routes.js';

/** How long a refused credential stays blocked, ms. */
export const CREDENTIAL_BLOCK_MS = 5 * 60_000;

export class CredentialBlocks {
  readonly #until = new Map<string, number>();
  /**
   * The `changed_at` of each (project, provider) row last applied, so a row is applied once, also
   * after clear(). One entry per row, not per change: the runtime role can re-report a block as
   * often as it likes, and a set of every change seen grew without bound.
   */
  readonly #seen = new Map<string, number>();

  block(projectId: string | null, providerId: string, now: number, forMs = CREDENTIAL_BLOCK_MS): void {
    this.#until.set(`${projectId ?? ''}/${providerId}`, now + forMs);
  }

  isBlocked(projectId: string | null, providerId: string, now: number): boolean {
    if (this.#until.size === 0) return false;
    const key = `${projectId ?? ''}/${providerId}`;
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (now < until) return true;
    this.#until.delete(key);
    return false;
  }

  /** Applies blocks shared by other instances (never shortening a block in force). */
  applyShared(rows: readonly CredentialBlockRow[], now: number, self?: string): void {
    for (const row of rows) {
      if (self !== undefined && row.changedBy === self) continue;
      const key = `${row.projectId ?? ''}/${row.providerId}`;
      const changedAt = row.changedAt.getTime();
      if (changedAt <= (this.#seen.get(key) ?? Number.NEGATIVE_INFINITY)) continue;
      this.#seen.set(key, changedAt);
      const until = row.blockedUntil.getTime();
      if (until > now && until > (this.#until.get(key) ?? 0)) this.#until.set(key, until);
    }
  }

  /** Blocks in force: `project/provider` → until. */
  list(now: number): { projectId: string | null; providerId: string; until: Date }[] {
    return [...this.#until]
      .filter(([, until]) => until > now)
      .map(([key, until]) => {
        const [projectId = '', providerId = ''] = key.split('/');
        return { projectId: projectId === '' ? null : projectId, providerId, until: new Date(until) };
      });
  }

  /** Lifts the blocks of every provider `changed` says yes to (its row was edited). */
  liftProviders(changed: (providerId: string) => boolean): void {
    for (const key of this.#until.keys()) {
      if (changed(key.slice(key.indexOf('/') + 1))) this.#until.delete(key);
    }
  }

  clear(): void {
    this.#until.clear();
  }
}
