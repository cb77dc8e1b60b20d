// BENCH_PIN_POSTGRES=1: while the bench runs, the local PostgreSQL server's processes (the ledger
// and governance store) share CPU 0 with the load generator and the mock, so the gateway has CPU 1
// to itself, as in production where the database runs on other machines. Only local processes
// named `postgres` that this user may re-pin; at the end every `postgres` process (those forked
// meanwhile for the bench's connections too) gets back the affinity the server had.
import { execFileSync, spawnSync } from 'node:child_process';

const listPostgres = () => (spawnSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((line) => /^\d+$/.test(line));

/** Pins the running `postgres` processes to `cpu`; returns a function restoring their affinity. */
export function pinPostgres(cpu, log) {
  const pids = listPostgres();
  const previous = new Map();
  for (const pid of pids) {
    try {
      const mask = execFileSync('taskset', ['-p', pid], { encoding: 'utf8' }).trim().split(': ').pop();
      execFileSync('taskset', ['-p', '-c', String(cpu), pid], { stdio: 'ignore' });
      previous.set(pid, mask);
    } catch {
      // Gone meanwhile, or not ours to pin: left as it is.
    }
  }
  log(`postgres: ${previous.size} of ${pids.length} server processes pinned to CPU ${cpu} for the bench`);
  const serverMask = previous.values().next().value;
  return () => {
    if (serverMask === undefined) return;
    for (const pid of listPostgres()) spawnSync('taskset', ['-p', previous.get(pid) ?? serverMask, pid], { stdio: 'ignore' });
  };
}
