/**
 * V8 runs parts of its garbage collection on helper threads. A gateway with one CPU (a container
 * limited to one, or pinned to one core) gains nothing from them: they share that CPU with the main
 * thread and add synchronization. Started with `--single-threaded-gc` there, the full hot path spent
 * 8% less CPU per chat request and per stream (docs/benchmark-history.md, 2026-12-06). On several
 * cores the parallel collector shortens the main thread's pauses, so the flag is not the default.
 */
const FLAG = /^--single[-_]threaded[-_]gc$/;

/** Whether node was started with V8's GC on the main thread only. */
export function singleThreadedGc(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => FLAG.test(arg));
}

/** The start-up line suggesting the flag on one CPU: nothing on several CPUs or when it is set. */
export function gcThreadsNotice(execArgv: readonly string[], cpus: number): string | undefined {
  if (cpus > 1 || singleThreadedGc(execArgv)) return undefined;
  return 'one CPU available: start node with --single-threaded-gc as well (about 8% less CPU per request here; V8\'s GC helper threads would share this CPU)';
}
