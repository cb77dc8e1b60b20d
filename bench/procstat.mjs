// Linux /proc readers for one process: CPU time (utime + stime, all threads) and memory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ). */
export const CLK_TCK = (() => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** CPU time used so far by `pid` (user + system, all its threads), in microseconds; undefined if unknown. */
export function cpuMicros(pid) {
  const split = cpuSplitMicros(pid);
  return split === undefined ? undefined : split.user + split.system;
}

/** CPU time used so far by `pid` in user and in system (kernel) mode, all its threads, µs; undefined if unknown. */
export function cpuSplitMicros(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name may hold spaces and parentheses: fields are counted from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return { user: (Number(fields[11]) * 1e6) / CLK_TCK, system: (Number(fields[12]) * 1e6) / CLK_TCK };
}

/** Current (VmRSS) and peak (VmHWM) resident memory of `pid`, in MB; undefined if unknown. */
export function memoryMB(pid) {
  const status = read(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}
