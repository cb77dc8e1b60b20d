/**
 * `switchboard migrate`, `switchboard sql` and the global database options, in-process against a
 * database that starts empty (a fresh data dir, or a new Postgres database with DATABASE_URL set).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readMigrations } from '../../src/db/migrate.js';
import { emptyTarget, lines, runCli, withTargetDb, type CliResult, type CliTarget } from './cli-harness.js';

const unreachableUrl = 'postgres://postgres@127.0.0.1:1/x';
/** A data dir that cannot be created (its parent is a character device). */
const impossibleDataDir = '/dev/null/switchboard-db';

/** Asserts a failed run: exit 1, nothing on stdout, exactly one `switchboard: …` line on stderr. */
function assertOneLineError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 1, `expected exit 1, got ${result.code}; stdout: ${result.stdout}`);
  assert.equal(result.stdout, '');
  assert.equal(lines(result.stderr).length, 1, `stderr is not one line: ${JSON.stringify(result.stderr)}`);
  assert.match(result.stderr, /^switchboard: /);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'stack trace on stderr');
}

describe('switchboard migrate, sql and global options', () => {
  let target: CliTarget;
  let firstMigrate: CliResult;
  let migrationNames: string[];

  before(async () => {
    migrationNames = (await readMigrations()).map((file) => file.name);
    target = await emptyTarget();
    firstMigrate = await runCli(['migrate'], { env: target.env });
  });
  after(async () => {
    await target?.dispose();
  });

  test('migrate on an empty database applies every file in order and lists them', async () => {
    assert.ok(migrationNames.length > 0);
    assert.equal(firstMigrate.code, 0, firstMigrate.stderr);
    assert.equal(firstMigrate.stderr, '');
    assert.deepEqual(lines(firstMigrate.stdout), [`Applied ${migrationNames.length} migration(s):`, ...migrationNames.map((name) => `  ${name}`)]);
    const recorded = await withTargetDb(target, (db) => db.query<{ name: string }>('select name from public.switchboard_migrations order by name'));
    assert.deepEqual(
      recorded.rows.map((row) => row.name),
      migrationNames,
    );
  });

  test('a second migrate says the database is up to date, and --json prints {"applied": []}', async () => {
    const again = await runCli(['migrate'], { env: target.env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'Database is up to date.\n');
    assert.equal(again.stderr, '');

    const json = await runCli(['migrate', '--json'], { env: target.env });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { applied: [] });
  });

  test('a failing migration exits 1 with one line naming the file and the Postgres error, and applies nothing', async () => {
    const last = migrationNames.at(-1) as string;
    const checksum = async (): Promise<string | undefined> =>
      withTargetDb(target, async (db) => {
        const rows = await db.query<{ checksum: string }>('select checksum from public.switchboard_migrations where name = $1', [last]);
        return rows.rows[0]?.checksum;
      });
    const recordedChecksum = await checksum();
    assert.ok(recordedChecksum);
    // Make the last file pending again and make the database refuse it: its DDL and its bookkeeping row.
    await withTargetDb(target, (db) =>
      db.exec(`
        delete from public.switchboard_migrations where name = '${last}';
        create function public.cli_test_refuse() returns event_trigger language plpgsql as $$
        begin
          -- The runner's own preamble (create table if not exists, comment on table) may pass.
          if tg_tag not in ('CREATE TABLE', 'COMMENT') then raise exception 'refused by the cli test'; end if;
        end $$;
        create function public.cli_test_refuse_row() returns trigger language plpgsql
          as $$ begin raise exception 'refused by the cli test'; end $$;
        create trigger cli_test_refuse_bookkeeping before insert on public.switchboard_migrations
          for each row execute function public.cli_test_refuse_row();
        create event trigger cli_test_refuse_ddl on ddl_command_start execute function public.cli_test_refuse();
      `),
    );
    try {
      const failed = await runCli(['migrate'], { env: target.env });
      // The file fails on the event trigger, or earlier on a table it creates that is already there.
      assertOneLineError(failed, new RegExp(`migration ${last.replace(/\./g, '\\.')} failed: (refused by the cli test|relation "\\w+" already exists)$`, 'm'));
      assert.equal(await checksum(), undefined, 'the failed file was recorded as applied');
    } finally {
      await withTargetDb(target, (db) =>
        db.exec(`
          drop event trigger cli_test_refuse_ddl;
          drop trigger cli_test_refuse_bookkeeping on public.switchboard_migrations;
          drop function public.cli_test_refuse();
          drop function public.cli_test_refuse_row();
          insert into public.switchboard_migrations (name, checksum) values ('${last}', '${recordedChecksum}');
        `),
      );
    }
    const healed = await runCli(['migrate', '--json'], { env: target.env });
    assert.equal(healed.code, 0, healed.stderr);
    assert.deepEqual(JSON.parse(healed.stdout), { applied: [] });
  });

  test('sql prints a select as a table, and --json prints the same rows as one JSON document', async () => {
    const statement = 'select name, provider_class from ai_providers order by name';
    const json = await runCli(['sql', statement, '--json'], { env: target.env });
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { name: string; provider_class: string }[];
    const direct = await withTargetDb(target, (db) => db.query<{ name: string; provider_class: string }>(statement));
    assert.deepEqual(rows, direct.rows);
    // The seeded built-in providers of issue 2 (cohere and local-llm are the seed document's own examples).
    const classOf = new Map(rows.map((row) => [row.name, row.provider_class]));
    assert.equal(classOf.get('openai'), 'OpenAIProvider');
    assert.equal(classOf.get('anthropic'), 'AnthropicProvider');
    assert.equal(classOf.get('google'), 'GoogleProvider');
    for (const name of ['together', 'groq', 'mistral', 'deepseek', 'fireworks', 'openrouter', 'xai', 'perplexity', 'ollama']) {
      assert.equal(classOf.get(name), 'CustomProvider', name);
    }
    assert.equal(classOf.has('cohere'), false);

    const table = await runCli(['sql', statement], { env: target.env });
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stderr, '');
    const [header, rule, ...body] = lines(table.stdout);
    assert.deepEqual(header?.split(/\s+/), ['name', 'provider_class']);
    assert.match(rule ?? '', /^-+ {2}-+$/);
    assert.equal(body.pop(), `(${rows.length} rows)`);
    assert.deepEqual(
      body.map((line) => line.split(/\s+/)),
      rows.map((row) => [row.name, row.provider_class]),
    );
  });

  test('sql renders values: JSON keeps types, the table shows null as empty and jsonb as JSON', async () => {
    const statement = `select 42::int as n, 'two words' as s, null::text as z, true as t, '{"x":[1,2]}'::jsonb as j`;
    const json = await runCli(['sql', statement, '--json'], { env: target.env });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), [{ n: 42, s: 'two words', z: null, t: true, j: { x: [1, 2] } }]);

    const table = await runCli(['sql', statement], { env: target.env });
    assert.equal(table.code, 0, table.stderr);
    const [header, , row, count] = lines(table.stdout);
    assert.deepEqual(header?.split(/\s{2,}/), ['n', 's', 'z', 't', 'j']);
    const cells = row?.split(/\s{2,}/);
    assert.deepEqual(cells, ['42', 'two words', 'true', '{"x":[1,2]}'], 'null must render as an empty cell');
    assert.equal(count, '(1 row)');
  });

  test('sql runs a write statement and reports the affected rows', async () => {
    const insert = await runCli(['sql', `insert into projects (name) values ('sql-a'), ('sql-b')`], { env: target.env });
    assert.equal(insert.code, 0, insert.stderr);
    assert.equal(insert.stdout, 'OK (2 rows affected)\n');
    const names = await withTargetDb(target, (db) => db.query<{ name: string }>(`select name from projects where name like 'sql-%' order by name`));
    assert.deepEqual(
      names.rows.map((row) => row.name),
      ['sql-a', 'sql-b'],
    );
  });

  test('a failing sql statement exits 1 with one line naming the Postgres error', async () => {
    assertOneLineError(await runCli(['sql', 'select no_such_column from ai_providers'], { env: target.env }), /column "no_such_column" does not exist/);
    assertOneLineError(await runCli(['sql', 'selec 1', '--json'], { env: target.env }), /syntax error at or near "selec"/);
    assertOneLineError(
      await runCli(['sql', `insert into projects (name) values ('Not A Slug')`], { env: target.env }),
      /violates check constraint "projects_name_check"/,
    );
    assertOneLineError(await runCli(['sql'], { env: target.env }), /sql needs a statement/);
  });

  test('sql refuses several statements at once on both databases, and runs none of them', async () => {
    const result = await runCli(['sql', `insert into projects (name) values ('multi-a'); select 1 as one`], { env: target.env });
    assertOneLineError(result, /cannot insert multiple commands into a prepared statement/);
    const rows = await withTargetDb(target, (db) => db.query(`select 1 from projects where name = 'multi-a'`));
    assert.equal(rows.rows.length, 0, 'the first statement ran');
  });

  test('--data-dir / --database-url override SWITCHBOARD_DATA_DIR and DATABASE_URL', async () => {
    // Both env vars point nowhere usable: the flag alone must find the database.
    const brokenEnv = { DATABASE_URL: unreachableUrl, SWITCHBOARD_DATA_DIR: impossibleDataDir };
    const viaFlag = await runCli(['projects', 'list', '--json', ...target.flags], { env: brokenEnv });
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    const names = (JSON.parse(viaFlag.stdout) as { name: string }[]).map((project) => project.name);
    assert.deepEqual(names, ['sql-a', 'sql-b']);

    // The env points at the database; a flag pointing elsewhere wins (and fails, naming where it went).
    assertOneLineError(await runCli(['projects', 'list', '--database-url', unreachableUrl], { env: target.env }), /127\.0\.0\.1:1/);
    assertOneLineError(await runCli(['projects', 'list', `--data-dir=${impossibleDataDir}`], { env: target.env }), /\/dev\/null\/switchboard-db/);
    assertOneLineError(
      await runCli(['--database-url', unreachableUrl, '--data-dir', impossibleDataDir, 'projects', 'list'], { env: target.env }),
      /either --database-url or --data-dir, not both/,
    );
    assertOneLineError(await runCli(['projects', 'list', '--database-url'], { env: target.env }), /--database-url needs a value/);
  });
});
