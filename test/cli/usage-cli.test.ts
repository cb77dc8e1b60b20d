// `switchboard usage` and `switchboard usage explain` through the real CLI (main() in-process) on a
// real database holding ledger rows inserted with plain SQL: the table and --json agree with the
// exact sums of the rows, filters and --by work, and bad input is a one-line error with exit 1.
// Embedded PGlite data dir, or a Postgres database when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { UsageReport } from '../../src/usage/reports/usage-report.js';
import { expect, hourOf, insertRows, makeRows, seedProjects, type LedgerRow, type SeedProject } from '../usage/usage-fixture.js';
import { lines, migratedTarget, runCli, withTargetDb, type CliTarget } from './cli-harness.js';

const END = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);

describe('switchboard usage', () => {
  let target: CliTarget;
  let projects: SeedProject[];
  let rows: LedgerRow[];
  const usage = (...args: string[]) => runCli(['usage', ...args], { env: target.env });

  before(async () => {
    target = await migratedTarget();
    await withTargetDb(target, async (db) => {
      projects = await seedProjects(db, ['cli-use-a', 'cli-use-b']);
      rows = makeRows(projects, 60, END, 48, 41);
      await insertRows(db, rows);
    });
  });
  after(async () => {
    await target?.dispose();
  });

  test('--json: the total equals the exact sums of the ledger rows', async () => {
    const result = await usage('--json');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as UsageReport;
    const expected = expect(rows);
    assert.equal(report.total.requests, expected.requests);
    assert.equal(report.total.errors, expected.errors);
    assert.equal(report.total.cost_usd, expected.cost);
    assert.equal(report.total.tokens.input, expected.tokens[0]);
  });

  test('--by project prints a table with one line per project and the total', async () => {
    const result = await usage('--by', 'project');
    assert.equal(result.code, 0, result.stderr);
    const output = lines(result.stdout);
    assert.equal(output[0], 'Usage by project');
    assert.match(output[1] ?? '', /^group\s+requests\s+errors\s+error%\s+input\s+cached\s+write5m\s+write1h\s+output\s+reasoning\s+cost_usd\s+unpriced\s+p50_ms\s+p95_ms$/);
    for (const project of projects) {
      const own = expect(rows.filter((row) => row.projectId === project.id));
      const line = output.find((candidate) => candidate.startsWith(`${project.name} `));
      assert.ok(line, `a line for ${project.name}`);
      const cells = line.split(/\s+/);
      assert.equal(Number(cells[1]), own.requests);
      // The cost column drops trailing zeros; the value is the exact sum.
      assert.equal(Number(cells[10]), Number(own.cost));
      assert.ok(own.cost.startsWith((cells[10] ?? '').replace(/0+$/, '')), `${cells[10]} vs ${own.cost}`);
    }
    assert.match(output.find((line) => line.startsWith('(total)')) ?? '', new RegExp(`^\\(total\\)\\s+${rows.length}\\s`));
    assert.equal(output.at(-1), '(3 rows)');
  });

  test('filters: --project (name), --key (prefix), --since relative, --by day', async () => {
    const [a] = projects as [SeedProject];
    const key = a.keys[0] as { id: string; prefix: string };
    const result = await usage('--project', a.name, '--key', key.prefix, '--since', '24h', '--by', 'day', '--json');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as UsageReport;
    const since = hourOf(new Date(END.getTime() - 24 * 3_600_000));
    const selected = rows.filter((row) => row.apiKeyId === key.id && hourOf(row.startedAt) >= since);
    assert.equal(report.total.requests, selected.length);
    assert.equal(report.total.cost_usd, expect(selected).cost);
    assert.deepEqual(report.rows.map((row) => row.group), [...new Set(selected.map((row) => row.startedAt.toISOString().slice(0, 10)))].sort());
  });

  test('explain prints the request, and --json its rows', async () => {
    const row = rows.find((candidate) => candidate.costPico !== null) as LedgerRow;
    const text = await usage('explain', row.requestId);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^Request ${row.requestId}: 1 attempt\\(s\\)`));
    assert.match(text.stdout, new RegExp(`model ${row.model} -> ${row.model} on ${row.provider}`));
    const json = await usage('explain', row.requestId, '--json');
    const parsed = JSON.parse(json.stdout) as { attempts: { cost_usd: string }[] };
    assert.equal(parsed.attempts[0]?.cost_usd, expect([row]).cost);
  });

  test('bad input: one-line errors, exit 1', async () => {
    const cases: [string[], RegExp][] = [
      [['--since', 'yesterday'], /since must be an ISO time/],
      [['--until', '2026-02-30'], /until names a day the calendar does not have: '2026-02-30'/],
      [['--by', 'colour'], /by must be one of model, provider, project, key, day, hour, arm, route/],
      [['--project', 'no-such-project'], /No project named 'no-such-project'/],
      [['--colour', 'red'], /Unknown option '--colour'/],
      [['--since', '2d', '--until', '3d'], /since must be earlier than until/],
      [['explain'], /usage explain needs one request id/],
      [['explain', 'no-such-request'], /No usage rows for request 'no-such-request'/],
    ];
    for (const [args, message] of cases) {
      const result = await usage(...args);
      assert.equal(result.code, 1, args.join(' '));
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^switchboard: [^\n]+\n$/);
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  test('help lists the usage command and its options', async () => {
    const help = await runCli(['help', 'usage'], { env: target.env });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /switchboard usage \[--project P\]/);
    assert.match(help.stdout, /switchboard usage explain <request-id>/);
    const global = await runCli(['--help'], { env: target.env });
    assert.match(global.stdout, /^ {2}usage {9}usage and cost reports/m);
  });
});
