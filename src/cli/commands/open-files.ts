import { readFileSync } from 'node:fs';

/** The process's open-files limit (RLIMIT_NOFILE). */
export interface OpenFilesLimit {
  soft: number;
  hard: number;
}

/**
 * The open-files limit as Linux reports it in `/proc/self/limits`; undefined elsewhere (or when
 * unlimited). Node raises the soft limit to the hard one at start-up, so the soft value read here
 * is already as high as this process may go without a higher hard limit (`ulimit -Hn`, systemd
 * `LimitNOFILE=`, docker `--ulimit nofile=`).
 */
export function readOpenFilesLimit(read: (path: string) => string = (path) => readFileSync(path, 'utf8')): OpenFilesLimit | undefined {
  let text: string;
  try {
    text = read('/proc/self/limits');
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\d+)\s+(\d+)/m.exec(text);
  return match ? { soft: Number(match[1]), hard: Number(match[2]) } : undefined;
}

/**
 * The start-up line about open files: the limit and how many streams it allows (each stream holds
 * a client socket and an upstream socket), and a warning when it is below what the connection
 * limit needs.
 */
export function openFilesNotice(limit: OpenFilesLimit | undefined, maxConnections: number): { level: 'info' | 'warn'; message: string } {
  if (!limit) return { level: 'info', message: `Upstream connections per origin: at most ${maxConnections} (open-files limit unknown on this system)` };
  const streams = Math.floor(limit.soft / 2);
  const base = `Open files limit ${limit.soft} (hard ${limit.hard}): about ${streams} concurrent streams; upstream connections per origin: at most ${maxConnections}`;
  if (limit.soft >= 2 * maxConnections) return { level: 'info', message: base };
  return {
    level: 'warn',
    message: `${base}. The process runs out of file descriptors first: raise the hard limit (ulimit -Hn, systemd LimitNOFILE=, docker --ulimit nofile=) or lower SWITCHBOARD_UPSTREAM_MAX_CONNECTIONS`,
  };
}
