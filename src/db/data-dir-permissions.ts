/**
 * Owner-only permissions on the embedded data dir. PGlite writes its catalogs, commit log and
 * config with mode 0666 and its folders 0755 whatever the umask, so every open and close walks the
 * dir and takes group and world bits off (folders end 0700, files 0600). Symbolic links are left
 * alone (never followed). Nothing is done on Windows, where modes mean something else.
 *
 * @module
 */
import { chmodSync, lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/** What one pass over the data dir found and changed. */
export interface TightenReport {
  /** Entries (the dir included) that were group or world accessible before the pass. */
  loosened: number;
  /** The first few of them with their old mode, e.g. `db/postgresql.conf (666)`, for messages. */
  examples: string[];
  /** Entries whose mode could not be changed (owned by another user, …), with the error code. */
  failed: { path: string; code: string }[];
}

const SHARED_BITS = 0o077;
const EXAMPLES = 3;

/**
 * Takes the group and world bits off `dataDir` and everything under it (a missing dir is no
 * error). Costs one `lstat` per entry plus one `chmod` per loose entry.
 */
export function tightenDataDir(dataDir: string): TightenReport {
  const report: TightenReport = { loosened: 0, examples: [], failed: [] };
  if (process.platform === 'win32') return report;
  let rootMode: number;
  try {
    rootMode = statSync(dataDir).mode;
  } catch {
    return report;
  }
  tighten(dataDir, rootMode, dataDir, report);
  const pending = [dataDir];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch (error) {
      report.failed.push({ path: folder, code: errorCode(error) });
      continue;
    }
    for (const name of names) {
      const entry = path.join(folder, name);
      let stats: Stats;
      try {
        stats = lstatSync(entry);
      } catch {
        continue; // Removed while we walked: nothing to protect.
      }
      if (stats.isSymbolicLink()) continue;
      tighten(entry, stats.mode, dataDir, report);
      if (stats.isDirectory()) pending.push(entry);
    }
  }
  return report;
}

/**
 * `tightenDataDir`, telling `warn` when the dir had group or world access before (the state an
 * earlier version, a copy or a hand-made dir left) and when some entry could not be changed.
 */
export function secureDataDir(dataDir: string, warn: (message: string) => void): TightenReport {
  const report = tightenDataDir(dataDir);
  if (report.loosened > 0) {
    warn(
      `The embedded data dir ${dataDir} was accessible to other local users (${report.loosened} entr${report.loosened === 1 ? 'y' : 'ies'}, ` +
        `e.g. ${report.examples.join(', ')}); removed their group and world permissions (folders 0700, files 0600).`,
    );
  }
  warnFailures(dataDir, report, warn);
  return report;
}

/** Tells `warn` about entries a pass could not tighten; silent when there are none. */
export function warnFailures(dataDir: string, report: TightenReport, warn: (message: string) => void): void {
  const [first] = report.failed;
  if (first === undefined) return;
  warn(
    `Could not make ${report.failed.length} entr${report.failed.length === 1 ? 'y' : 'ies'} of the embedded data dir owner-only ` +
      `(e.g. ${first.path}: ${first.code}); other local users may read or change the database: run chmod -R go-rwx ${dataDir}`,
  );
}

/** The default warning channel of the data dir checks. */
export function emitDataDirWarning(message: string): void {
  process.emitWarning(message, { code: 'SWITCHBOARD_DATA_DIR' });
}

function tighten(entry: string, mode: number, dataDir: string, report: TightenReport): void {
  const permissions = mode & 0o777;
  if ((permissions & SHARED_BITS) === 0) return;
  report.loosened += 1;
  if (report.examples.length < EXAMPLES) {
    const shown = entry === dataDir ? entry : path.relative(dataDir, entry);
    report.examples.push(`${shown} (${permissions.toString(8)})`);
  }
  try {
    chmodSync(entry, permissions & ~SHARED_BITS);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') report.failed.push({ path: entry, code: errorCode(error) });
  }
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}
