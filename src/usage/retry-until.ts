/**
 * Retrying an attempt with backoff until a deadline: the usage writer's close().
 *
 * @module
 */

/** The last failure of an attempt retried until its deadline. */
export interface GaveUp {
  error: unknown;
}

/**
 * Runs `attempt` until it succeeds (undefined), waiting 50 ms between tries, doubling up to 1 s;
 * gives up (returning the last failure) when the next try would start after `deadline` (Date.now() ms).
 */
export async function retryUntil(deadline: number, attempt: () => Promise<void>): Promise<GaveUp | undefined> {
  let delay = 50;
  for (;;) {
    try {
      await attempt();
      return undefined;
    } catch (error) {
      if (Date.now() + delay > deadline) return { error };
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 1_000);
    }
  }
}
