import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * V8's memory reducer shrinks an idle heap (young generation to 1 MB) about 8 s after the last
 * full GC. A gateway that idled that long before its traffic, as every deployed one does, then
 * spent 6 µs (7.5%) more CPU per chat request for the rest of its life than one started with
 * `--no-memory-reducer` (docs/benchmark-history.md). The flag must be on node's command line: it is not
 * allowed in NODE_OPTIONS, and V8 ignores it once the heap exists.
 */
const FLAG = /^--no[-_]?memory[-_]reducer$/;

/** bin/switchboard.js of this package (three folders up from src/cli/commands or dist/cli/commands). */
const BIN = fileURLToPath(new URL('../../../bin/switchboard.js', import.meta.url));

/** Whether node was started with the memory reducer off. */
export function memoryReducerOff(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => FLAG.test(arg));
}

/**
 * The start-up line about the flag: nothing when it is set. The command names the bin relative to
 * `cwd` (`bin/switchboard.js` in a clone, `node_modules/switchboard/bin/switchboard.js` in a project
 * that installed the package).
 */
export function memoryReducerNotice(execArgv: readonly string[], cwd: string = process.cwd()): string | undefined {
  if (memoryReducerOff(execArgv)) return undefined;
  const bin = path.relative(cwd, BIN) || BIN;
  return `V8 memory reducer on: after an idle spell each request costs about 7% more CPU; start node with --no-memory-reducer: node --no-memory-reducer ${bin} serve (npm start in a clone does)`;
}
