/**
 * Resident memory of another process from Linux /proc (VmRSS now, VmHWM its peak), in MB.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** `{ rss, hwm }` of `pid` in MB, or undefined when /proc has no such process (or is not Linux). */
export function processMemoryMB(pid: number): { rss: number; hwm: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Whether /proc can be read here (else memory tests skip). */
export function skipWithoutProc(): string | false {
  return processMemoryMB(process.pid) === undefined ? 'needs Linux /proc to read process memory' : false;
}
