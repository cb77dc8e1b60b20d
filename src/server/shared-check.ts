/**
 * A readiness check shared by its callers: one run at a time, its answer kept for `ttlMs`. `/readyz`
 * needs no key, so without it every probe (or a flood of them) ran a database query, queueing the
 * ledger, lease exchanges and reloads behind them on the pool.
 *
 * @module
 */
export function sharedCheck(check: () => Promise<boolean>, ttlMs: number): () => Promise<boolean> {
  let running: Promise<boolean> | undefined;
  let answer = false;
  let answeredAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (performance.now() - answeredAt < ttlMs) return Promise.resolve(answer);
    running ??= check()
      .catch(() => false)
      .then((ready) => {
        answer = ready;
        answeredAt = performance.now();
        running = undefined;
        return ready;
      });
    return running;
  };
}
