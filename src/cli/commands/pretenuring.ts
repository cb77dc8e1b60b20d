import { setFlagsFromString } from 'node:v8';

/**
 * V8 allocates an object literal's or array literal's objects straight in the old space once most
 * of them were found alive at a young-generation collection with the young generation at its
 * largest (allocation-site pretenuring), and keeps deciding so for the rest of the process's life.
 * A gateway's first collection under traffic, right after start, finds the first requests' objects
 * alive beside the configuration just loaded: in the full hot path four of governance's literals
 * (the reservation list and its holds, made once per request and dead a few milliseconds later) were
 * pretenured that way at every start, and their objects, garbage within the request, made a third of
 * the old space's intake under load (docs/benchmark-history.md, 2026-12-07). `serve` and
 * `bench-serve` turn pretenuring off at start (`--no-allocation-site-pretenuring`): V8 reads the flag
 * at every collection, before any decision is taken. A command line with either spelling of its own
 * (`--allocation-site-pretenuring` keeps V8's default) wins.
 */
const FLAG = /^--(no[-_])?allocation[-_]site[-_]pretenuring$/;

/** The V8 flag to set at start; undefined when node's command line has its own. */
export function pretenuringFlag(execArgv: readonly string[]): string | undefined {
  return execArgv.some((arg) => FLAG.test(arg)) ? undefined : '--no-allocation-site-pretenuring';
}

/** Turns allocation-site pretenuring off for this process, unless node was started with its own choice. */
export function applyPretenuring(execArgv: readonly string[] = process.execArgv): void {
  const flag = pretenuringFlag(execArgv);
  if (flag) setFlagsFromString(flag);
}
