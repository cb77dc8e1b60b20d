import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DatabaseError } from '../errors.js';

/**
 * Contents of `<dataDir>/switchboard.lock`. Later fields (e.g. an admin endpoint other processes
 * could talk to) may be added; readers ignore what they do not know.
 */
export interface DataDirLockInfo {
  pid: number;
  startedAt: string;
  [field: string]: unknown;
}

/** A held lock; `release()` removes the file (idempotent). */
export interface DataDirLock {
  readonly file: string;
  release(): void;
}

export const lockFileName = 'switchboard.lock';

/**
 * Takes the embedded data dir's lock (creating the dir). A lock held by a live process throws
 * `database_locked`; a stale one (its pid is gone) or an unreadable one is taken over.
 */
export function acquireDataDirLock(dataDir: string, extra: Record<string, unknown> = {}): DataDirLock {
  try {
    // Owner-only from the start: every folder this creates (the data dir and its missing parents).
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new DatabaseError('database_unavailable', `cannot use ${dataDir} as the embedded database directory (${code}); set SWITCHBOARD_DATA_DIR or --data-dir to a writable directory`, {
      cause: error,
      isRetryable: false,
    });
  }
  const file = path.join(dataDir, lockFileName);
  const info: DataDirLockInfo = { ...extra, pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(file);
      // An unreadable lock younger than a few seconds is being written by its owner right now.
      if (holder === undefined ? isFresh(file) : isAlive(holder.pid)) {
        const who = holder?.pid === process.pid ? `this process (pid ${process.pid}) already has it open` : `it is in use by another Switchboard process (pid ${holder?.pid ?? 'unknown'})`;
        throw new DatabaseError(
          'database_locked',
          `the embedded database at ${dataDir} is locked: ${who}; ` +
            'stop that process (or close the other handle), or set DATABASE_URL to share a Postgres server between processes',
        );
      }
      rmSync(file, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify(info)}\n`);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      file,
      release() {
        if (released) return;
        released = true;
        const current = readLock(file);
        if (current === undefined || current.pid === info.pid) rmSync(file, { force: true });
      },
    };
  }
  throw new DatabaseError('database_locked', `could not take the lock ${file}: it keeps being recreated by another process`);
}

/** The lock's contents, or undefined when it is missing or unreadable. */
export function readLock(file: string): DataDirLockInfo | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'pid' in parsed && typeof parsed.pid === 'number') {
      return parsed as DataDirLockInfo;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isFresh(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < 5_000;
  } catch {
    return false;
  }
}
