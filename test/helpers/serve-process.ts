/**
 * Real `switchboard serve` processes for multi-instance tests: each one is a separate OS process
 * (`node --import tsx test/helpers/serve-entry.ts serve --port 0 --no-migrate`) with its own
 * environment, exactly like a production instance sharing a Postgres with others. The test
 * migrates the database once (createTestDb) and inserts a project and key with SQL
 * (`insertProjectKey`); this helper starts the process, waits for its "listening on" line, parses
 * the URL, collects its stdout JSON log lines, and stops it with SIGTERM.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateApiKey } from '../../src/crypto/api-key.js';
import type { Queryable } from '../../src/db/db.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = path.join(root, 'test', 'helpers', 'serve-entry.ts');

export type LogLine = Record<string, unknown>;

export interface ServeProcessOptions {
  /** DATABASE_URL of the (already migrated) database. */
  databaseUrl?: string;
  /** Instead of `databaseUrl`: SWITCHBOARD_DATA_DIR of an embedded database (migrated, and closed by the test). */
  dataDir?: string;
  /** Node options before the entry (e.g. `['--import', hook]`). */
  nodeArgs?: string[];
  /** SWITCHBOARD_ADMIN_TOKEN (default: a random token, see `ServeProcess.adminToken`). */
  adminToken?: string;
  /** SWITCHBOARD_MASTER_KEY, base64 of 32 bytes (default: a random key). Give every instance the same one. */
  masterKey?: string;
  /** More variables: vendor keys named by provider rows, SWITCHBOARD_CONFIG_POLL_MS, … */
  env?: Record<string, string>;
  /** How long the process may take to print its "listening on" line (default 30 s). */
  startTimeoutMs?: number;
}

export interface ServeProcess {
  /** `http://127.0.0.1:<port>` as the process printed it. */
  url: string;
  pid: number;
  adminToken: string;
  /** Every JSON line the process wrote on stdout (request log and server log), in order. */
  logs: LogLine[];
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  /** The first log line (already written or still to come) that matches, or a rejection after `timeoutMs`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends SIGTERM and resolves with the exit code once the process has exited (SIGKILL and a rejection after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** A random master key: base64 of 32 bytes. */
export function randomMasterKey(): string {
  return randomBytes(32).toString('base64');
}

/** Inserts (with SQL) a project, unless it exists, and a new API key of it; returns the key shown once. */
export async function insertProjectKey(db: Queryable, project: string, name = 'live'): Promise<{ id: string; key: string }> {
  await db.query(`insert into public.projects (name) values ($1) on conflict (name) do nothing`, [project]);
  const generated = generateApiKey();
  const result = await db.query<{ id: string }>(
    `insert into public.api_keys (project_id, name, prefix, key_hash)
     select id, $2, $3, $4 from public.projects where name = $1 returning id`,
    [project, name, generated.prefix, generated.hash],
  );
  const id = result.rows[0]?.id;
  if (id === undefined) throw new Error(`could not insert a key for project ${project}`);
  return { id, key: generated.key };
}

/** Starts `switchboard serve --port 0 --no-migrate` in a new process and waits until it listens. */
export async function startServeProcess(options: ServeProcessOptions): Promise<ServeProcess> {
  const adminToken = options.adminToken ?? `sba-test-${randomBytes(16).toString('hex')}`;
  // Only what the process needs: no vendor keys or database settings leak in from the test's env.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...(process.env.HOME === undefined ? {} : { HOME: process.env.HOME }),
    ...(process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR }),
    ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }),
    ...(options.dataDir === undefined ? {} : { SWITCHBOARD_DATA_DIR: options.dataDir }),
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    SWITCHBOARD_MASTER_KEY: options.masterKey ?? randomMasterKey(),
    SWITCHBOARD_SHUTDOWN_TIMEOUT_MS: '5000',
    ...options.env,
  };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry, 'serve', '--port', '0', '--no-migrate'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const logs: LogLine[] = [];
  const waiters = new Set<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  let onListening: ((url: string) => void) | undefined;

  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const listening = /Switchboard listening on (http:\/\/\S+)/.exec(line);
      if (listening?.[1] !== undefined) onListening?.(listening[1]);
      if (!line.startsWith('{')) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) continue;
      const logLine = parsed as LogLine;
      logs.push(logLine);
      for (const waiter of waiters) {
        if (!waiter.predicate(logLine)) continue;
        waiters.delete(waiter);
        waiter.resolve(logLine);
      }
    }
  });

  const describeOutput = (): string => `stdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-4000)}`;
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`switchboard serve did not listen within ${timeoutMs} ms\n${describeOutput()}`)), timeoutMs);
      onListening = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`switchboard serve exited (code ${code}, signal ${signal}) before listening\n${describeOutput()}`));
      });
    });
  } catch (error) {
    if (!exit) child.kill('SIGKILL');
    throw error;
  }

  let stopping: Promise<number | null> | undefined;
  return {
    url,
    pid: child.pid ?? -1,
    adminToken,
    logs,
    output: () => ({ stdout, stderr }),
    waitForLog: (predicate, waitMs = 5000) => {
      const found = logs.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<LogLine>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (line: LogLine) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching log line from ${url} within ${waitMs} ms\n${describeOutput()}`));
        }, waitMs);
        waiters.add(waiter);
      });
    },
    stop: (stopMs = 15_000) =>
      (stopping ??= (async () => {
        if (!exit) child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), stopMs);
        });
        const result = await Promise.race([exited, timedOut]);
        clearTimeout(timer);
        if (result === 'timeout') {
          child.kill('SIGKILL');
          await exited;
          throw new Error(`switchboard serve (${url}) did not exit within ${stopMs} ms of SIGTERM\n${describeOutput()}`);
        }
        return result.code;
      })()),
  };
}
