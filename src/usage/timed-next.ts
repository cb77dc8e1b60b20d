/**
 * The `next()` of an iterator that watches an upstream stream for the ledger: it adds each wait
 * on the upstream to the attempt's `upstreamMs`, hands every result to `onResult` (with the time it
 * arrived), and a failure of the upstream to `onFailure`. No async frame wraps each part: one
 * `then()` with handlers made once per stream. One wait at a time, as the iterator protocol's
 * consumers call `next()` after the previous one settled.
 *
 * @module
 */
import type { UsageAttempt } from './usage-attempt.js';

export function timedNext<T>(
  inner: AsyncIterator<T>,
  attempt: UsageAttempt,
  onResult: (result: IteratorResult<T>, now: number) => void,
  /** Ends the attempt on a failure (the stream estimates what it delivered, see UsageAttempt.fail). */
  onFailure: (error: unknown) => void,
): () => Promise<IteratorResult<T>> {
  let waitStarted = 0;
  const resolved = (result: IteratorResult<T>): IteratorResult<T> => {
    const now = performance.now();
    attempt.upstreamMs += now - waitStarted;
    onResult(result, now);
    return result;
  };
  const failed = (error: unknown): void => {
    attempt.upstreamMs += performance.now() - waitStarted;
    onFailure(error);
  };
  const rejected = (error: unknown): never => {
    failed(error);
    throw error;
  };
  return () => {
    waitStarted = performance.now();
    let pending: Promise<IteratorResult<T>>;
    try {
      pending = inner.next();
    } catch (error) {
      failed(error);
      return Promise.reject(error as Error);
    }
    return pending.then(resolved, rejected);
  };
}
