/**
 * Database URLs given on the command line: a password in one is in the shell history and in the
 * process list for as long as the command runs, so the CLI says so (never repeating it).
 *
 * @module
 */

/** Whether a Postgres URL carries a password: in its user info or in its query string, which the driver reads too. */
export function hasPassword(url: string): boolean {
  try {
    const parsed = new URL(url);
    // Other URLs are refused as malformed before anything runs (that error says enough).
    return (parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:') && (parsed.password !== '' || parsed.searchParams.has('password'));
  } catch {
    return false;
  }
}

/** The stderr line for a database URL with a password given as `flag`; `instead` says how to pass it. */
export function passwordArgumentWarning(flag: string, instead: string): string {
  return (
    `switchboard: warning: ${flag} put the database password in your shell history and in the process list (ps) that every local user can read ` +
    `for as long as the command runs; ${instead}.\n`
  );
}
