/**
 * Runs the real CLI in-process (`main(argv, {stdout, stderr, stdin, env})`) with PassThrough streams,
 * and gives it a real database to work on: a temp data dir (embedded PGlite, which the CLI opens
 * itself) or, with DATABASE_URL set, a Postgres database of its own.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { main } from '../../src/cli/main.js';
import type { Db } from '../../src/db/db.js';
import { openEmbeddedDb, type EmbeddedDb } from '../../src/db/pglite-adapter.js';
import { openPostgresDb } from '../../src/db/postgres-adapter.js';
import { createEmbeddedTestDb, createTestDb, postgresUrl, withAdmin, withDatabase } from '../helpers/test-db.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `switchboard <args>` in-process with exactly `env` as its environment. */
export async function runCli(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const out = text(stdout);
  const err = text(stderr);
  let code: number;
  try {
    code = await main(args, { stdout, stderr, stdin, env: { ...options.env } });
  } finally {
    stdout.end();
    stderr.end();
  }
  return { code, stdout: await out, stderr: await err };
}

/** The lines of `output` without the trailing newline. */
export function lines(output: string): string[] {
  return output.replace(/\n$/, '').split('\n');
}

/** A database the CLI reaches through `env` (its default) or `flags` (the global options). */
export interface CliTarget {
  kind: 'embedded' | 'postgres';
  /** SWITCHBOARD_DATA_DIR or DATABASE_URL pointing at the target. */
  env: Record<string, string>;
  /** `--data-dir DIR` or `--database-url URL` pointing at the target. */
  flags: string[];
  /** Opens the target directly (close it before the next CLI run: the embedded data dir is locked). */
  open(): Promise<Db>;
  dispose(): Promise<void>;
}

/** A target with nothing in it: an empty data dir, or a new empty Postgres database. */
export async function emptyTarget(): Promise<CliTarget> {
  const url = postgresUrl();
  if (url === undefined) return embeddedTarget();
  const name = `sb_cli_${randomBytes(6).toString('hex')}`;
  await withAdmin(url, (admin) => admin.query(`create database ${name}`));
  return postgresTarget(withDatabase(url, name), () => withAdmin(url, (admin) => admin.query(`drop database if exists ${name} with (force)`)));
}

/** A migrated target: a data dir loaded from the migrated test dump, or a createTestDb() clone. */
export async function migratedTarget(): Promise<CliTarget> {
  if (postgresUrl() === undefined) {
    const source = await createEmbeddedTestDb();
    // createEmbeddedTestDb() is an EmbeddedDb (plus dispose); its type only promises Db.
    const dump = await (source as unknown as EmbeddedDb).dumpDataDir();
    await source.dispose();
    const target = await embeddedTarget();
    const db = await openEmbeddedDb({ dataDir: target.env['SWITCHBOARD_DATA_DIR'] as string, loadDataDir: dump });
    await db.close();
    return target;
  }
  const testDb = await createTestDb();
  const url = testDb.url;
  if (url === undefined) throw new Error('createTestDb() on Postgres returned no url');
  return postgresTarget(url, () => testDb.dispose());
}

async function embeddedTarget(): Promise<CliTarget> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'switchboard-cli-'));
  const dataDir = path.join(root, 'db');
  return {
    kind: 'embedded',
    env: { SWITCHBOARD_DATA_DIR: dataDir },
    flags: ['--data-dir', dataDir],
    open: () => openEmbeddedDb({ dataDir }),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

function postgresTarget(url: string, drop: () => Promise<unknown>): CliTarget {
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url },
    flags: ['--database-url', url],
    open: () => openPostgresDb({ url, max: 1 }),
    dispose: async () => {
      await drop();
    },
  };
}

/** Runs `work` on a target's database and always closes it. */
export async function withTargetDb<T>(target: CliTarget, work: (db: Db) => Promise<T>): Promise<T> {
  const db = await target.open();
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
