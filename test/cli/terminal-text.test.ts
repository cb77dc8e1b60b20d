/**
 * Text that someone who writes rows (an admin key, SQL) or sends requests (a key holder) planted,
 * as the CLI prints it: one-line values stay one line, and no control, line separator or
 * bidirectional mark reaches the terminal raw, in text or JSON. In-process against one migrated
 * database (data dir or Postgres).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lines, migratedTarget, runCli, withTargetDb, type CliResult, type CliTarget } from './cli-harness.js';

/** A newline and a tab to forge a line, Unicode's line and paragraph separators, and the bidi marks RLM, ALM and LRM. */
const PLANTED = 'gpt-4o\n  status 200; usage from provider\tok\u2028x\u200fy\u061cz\u200e\u2029';
/** What a one-line value may not carry raw: any C0 control (tab and newline too), DEL, C1, separators, bidi controls. */
// eslint-disable-next-line no-control-regex
const RAW_LINE_CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
/** What multi-line output may not carry raw: the same but newline. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const VISIBLE = 'gpt-4o\\u000a  status 200; usage from provider\\u0009ok\\u2028x\\u200fy\\u061cz\\u200e\\u2029';

describe('switchboard prints planted text visibly and on the lines it belongs to', () => {
  let target: CliTarget;
  const run = (...args: string[]): Promise<CliResult> => runCli(args, { env: target.env });

  before(async () => {
    target = await migratedTarget();
    await withTargetDb(target, async (db) => {
      await db.query(`update ai_models set model_id = $1 where name = 'gpt-4o-mini'`, [PLANTED]);
      await db.query(`create view cli_planted as select 1 as "gpt-4o\n  x\ty\u2028z"`);
      await db.query(`insert into ai_providers (name, provider_class, api_base_url) values ('cli-planted', $1, 'http://127.0.0.1:9/v1')`, [PLANTED]);
      await db.query(
        `insert into ai_usage (request_id, started_at, ended_at, requested_model, model_name, provider_name, vendor_model_id, endpoint, status, error_code, usage_source)
         values ('cli-planted-1', now(), now(), $1, 'gpt-4o-mini', 'openai', $1, 'chat', 502, $1, 'none')`,
        [PLANTED],
      );
    });
  });
  after(async () => {
    await target?.dispose();
  });

  test('usage explain: a planted requested model, vendor model id or error code stays on its line', async () => {
    const text = await run('usage', 'explain', 'cli-planted-1');
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, RAW_CONTROL);
    // The header, a blank line, the attempt's four lines and the unknown cost: nothing forged in between.
    const printed = lines(text.stdout);
    assert.equal(printed.length, 7, text.stdout);
    assert.match(printed[4] ?? '', /^ {2}model gpt-4o\\u000a {2}status 200; usage from provider\\u0009ok\\u2028x\\u200fy\\u061cz\\u200e\\u2029 -> gpt-4o-mini on openai \(/);
    assert.match(printed[5] ?? '', /^ {2}status 502 gpt-4o\\u000a/);

    const json = await run('usage', 'explain', 'cli-planted-1', '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.doesNotMatch(json.stdout, RAW_CONTROL);
    const explained = JSON.parse(json.stdout) as { attempts: { requested_model: string; vendor_model_id: string }[] };
    assert.equal(explained.attempts[0]?.requested_model, PLANTED, 'the JSON still parses to the row as stored');
  });

  test('models list: a planted model id is one cell of one row, in the table and in JSON', async () => {
    const table = await run('models', 'list');
    assert.equal(table.code, 0, table.stderr);
    assert.doesNotMatch(table.stdout, RAW_CONTROL);
    const row = lines(table.stdout).find((printed) => printed.startsWith('gpt-4o-mini '));
    assert.ok(row?.includes('gpt-4o status 200; usage from provider\\u0009ok\\u2028x\\u200fy\\u061cz\\u200e\\u2029 '), row);

    const json = await run('models', 'list', '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.doesNotMatch(json.stdout, RAW_CONTROL);
    const models = JSON.parse(json.stdout) as { name: string; modelId: string }[];
    assert.equal(models.find((model) => model.name === 'gpt-4o-mini')?.modelId, PLANTED);
  });

  test("providers list: a planted provider class, quoted in the row's unavailable reason, stays in its cell", async () => {
    const table = await run('providers', 'list');
    assert.equal(table.code, 0, table.stderr);
    assert.doesNotMatch(table.stdout, RAW_CONTROL);
    const row = lines(table.stdout).find((printed) => printed.startsWith('cli-planted '));
    assert.ok(row?.includes("unavailable  unknown provider_class 'gpt-4o status 200; usage from provider\\u0009ok\\u2028x\\u200fy\\u061cz\\u200e\\u2029' (known: "), row);
  });

  test('sql: a planted column name is one header cell', async () => {
    const table = await run('sql', 'select * from cli_planted');
    assert.equal(table.code, 0, table.stderr);
    assert.doesNotMatch(table.stdout, RAW_CONTROL);
    const header = 'gpt-4o\\u000a  x\\u0009y\\u2028z';
    assert.deepEqual(lines(table.stdout), [header, '-'.repeat(header.length), '1', '(1 row)']);
  });

  test('an error naming planted text is one line with the text visible', async () => {
    const failed = await run('usage', 'explain', PLANTED);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, '');
    assert.equal(lines(failed.stderr).length, 1, failed.stderr);
    // An error's line breaks read as spaces (a driver's message may have several lines); the rest is visible.
    assert.ok(failed.stderr.includes(`'${VISIBLE.replace('\\u000a  ', ' ')}'`), failed.stderr);
    assert.doesNotMatch(failed.stderr.replace(/\n$/, ''), RAW_LINE_CONTROL);
  });
});
