/**
 * Credentials a vendor refused (401/403) or found out of quota: blocked for this instance for a
 * while, per (project, provider), so the route skips them and never retries them. A change of any
 * credential row clears every block (the operator fixed the key).
 *
 * @module
 */

/** How long a refused credential stays blocked, ms. */
export const CREDENTIAL_BLOCK_MS = 5 * 60_000;

export class CredentialBlocks {
  readonly #until = new Map<string, number>();

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

  /** Blocks in force: `project/provider` → until. */
  list(now: number): { projectId: string | null; providerId: string; until: Date }[] {
    return [...this.#until]
      .filter(([, until]) => until > now)
      .map(([key, until]) => {
        const [projectId = '', providerId = ''] = key.split('/');
        return { projectId: projectId === '' ? null : projectId, providerId, until: new Date(until) };
      });
  }

  clear(): void {
    this.#until.clear();
  }
}
