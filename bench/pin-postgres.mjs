// BENCH_PIN_POSTGRES=1: while the bench runs, the local PostgreSQL server's processes (the ledger
// and governance store) share CPU 0 with the load generator and the mock, so the gateway has CPU 1
// to itself, as in production where the database runs on other machines. Only local processes
// named `postgres` that this user may re-pin; their previous affinity is restored at the end.
import { execFileSync, spawnSync } from 'node:child_process';

/** Pins the running `postgres` processes to `cpu`; returns a function restoring their affinity. */
export function pinPostgres(cpu, log) {
  const found = spawnSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' });
  const pids = (found.stdout ?? '').split('\n').filter((line) => /^\d+$/.test(line));
  const previous = [];
  for (const pid of pids) {
    try {
      const mask = execFileSync('taskset', ['-p', pid], { encoding: 'utf8' }).trim().split(': ').pop();
      execFileSync('taskset', ['-p', '-c', String(cpu), pid], { stdio: 'ignore' });
      previous.push({ pid, mask });
    } catch {
      // Gone meanwhile, or not ours to pin: left as it is.
    }
  }
  log(`postgres: ${previous.length} of ${pids.length} server processes pinned to CPU ${cpu} for the bench`);
  return () => {
    for (const { pid, mask } of previous) spawnSync('taskset', ['-p', mask, pid], { stdio: 'ignore' });
  };
}
