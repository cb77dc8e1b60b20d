// `switchboard serve` on Postgres never creates the first project and key: its stdout is the log
// stream (container logs), where a printed key is readable by whoever reads the logs, and the
// runtime role may not create projects. It says how to create one instead. (The embedded first
// start, the quick start's, still creates `default` and prints its key once.) Postgres only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { createTestDb, skipWithoutPostgres, type TestDb } from '../helpers/test-db.js';

describe('serve on an empty Postgres database', { skip: skipWithoutPostgres() }, () => {
  let db: TestDb;
  let serve: ServeProcess | undefined;

  before(async () => {
    db = await createTestDb();
  });
  after(async () => {
    await serve?.stop().catch(() => {});
    await db?.dispose();
  });

  it('creates no project and prints no key; it says how to create them', async () => {
    const started = await startServeProcess({ databaseUrl: db.url as string });
    serve = started;
    // The hint follows the "listening" line, maybe in a later chunk of the pipe: wait for it.
    const deadline = Date.now() + 10_000;
    while (!started.output().stdout.includes('No project yet') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    const { stdout, stderr } = started.output();
    assert.doesNotMatch(stdout + stderr, /\bsb-[0-9A-Za-z]{12}-/, 'a gateway key in the output');
    assert.match(stdout, /No project yet: create one and its first API key with `switchboard projects create <name>`/);
    const projects = await db.query(`select 1 from public.projects`);
    assert.equal(projects.rowCount, 0);
    assert.equal(await serve.stop(), 0);
    serve = undefined;
  });
});
