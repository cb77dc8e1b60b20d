/**
 * V8's memory reducer shrinks an idle heap (young generation to 1 MB) about 8 s after the last
 * full GC. A gateway that idled that long before its traffic, as every deployed one does, then
 * spent 6 µs (7.5%) more CPU per chat request for the rest of its life than one started with
 * `--no-memory-reducer` (docs/benchmark-history.md). The flag must be on node's command line: it is not
 * allowed in NODE_OPTIONS, and V8 ignores it once the heap exists.
 */
const FLAG = /^--no[-_]?memory[-_]reducer$/;

/** Whether node was started with the memory reducer off. */
export function memoryReducerOff(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => FLAG.test(arg));
}

/** The start-up line about the flag: nothing when it is set. */
export function memoryReducerNotice(execArgv: readonly string[]): string | undefined {
  if (memoryReducerOff(execArgv)) return undefined;
  return 'V8 memory reducer on: after an idle spell each request costs about 7% more CPU; start node with --no-memory-reducer (npm start does: node --no-memory-reducer bin/switchboard.js serve)';
}
