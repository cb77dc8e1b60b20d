import { setFlagsFromString } from 'node:v8';

/**
 * V8 lets the old generation grow to a multiple of what its last full collection left live before
 * it collects again. It picks the factor from its GC and allocation speeds, up to 4 when it
 * measured little allocation, as after a quiet spell; under load it picks less. So a gateway's peak
 * RSS under load depends on when its last full collection fell: in the shared harness the full hot
 * path peaked at 162–191 MB with V8's factor, its old space reaching three times its live heap after
 * a collection in the pause between two loads. `serve` and `bench-serve` fix the factor at 2
 * (`--heap-growing-percent=100`): the same runs' CPU per request and per held stream did not move,
 * and fewer full collections ran under load, where V8's own factor was lower
 * (docs/benchmark-history.md). V8 reads the flag each time it sets a limit, so setting it at start
 * works as on node's command line, where an operator's own value wins
 * (`--heap-growing-percent=0`: V8's own factor).
 */
export const HEAP_GROWING_PERCENT = 100;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/** The V8 flag to set at start; undefined when node's command line has its own. */
export function heapGrowingFlag(execArgv: readonly string[]): string | undefined {
  return execArgv.some((arg) => FLAG.test(arg)) ? undefined : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Fixes V8's heap growing factor for this process, unless node was started with its own. */
export function applyHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  const flag = heapGrowingFlag(execArgv);
  if (flag) setFlagsFromString(flag);
}
