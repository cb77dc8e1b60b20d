/**
 * `credentials set --api-key <key>` puts the key in the shell history and the process list: the CLI
 * says so (on stderr, after storing, without the key) and takes the key from stdin with
 * `--api-key-stdin` or `--api-key -`. Runs on the embedded database and, with DATABASE_URL, on Postgres.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCliTarget, keyringOf, newMasterKey, runCli, upstreamKey, type CliTarget } from './fixture.js';
import { credentialAssociatedData, openSecret } from '../../src/crypto/envelope.js';

const master = newMasterKey();
const PROVIDER = 'argv-openai';

describe('credentials set: the key on the command line', () => {
  let target: CliTarget;
  const cli = (argv: string[], stdin = '') => runCli(argv, { ...target.env, SWITCHBOARD_MASTER_KEY: master.base64 }, stdin);
  const set = (project: string, ...rest: string[]) => ['credentials', 'set', '--project', project, '--provider', PROVIDER, ...rest];
  const storedKey = (project: string) =>
    target.withDb(async (db) => {
      const row = (
        await db.query<{ credentials: string; projectId: string; providerId: string }>(
          `select c.credentials, c.project_id as "projectId", c.provider_id as "providerId"
             from public.ai_provider_credentials c join public.projects p on p.id = c.project_id where p.name = $1`,
          [project],
        )
      ).rows[0];
      if (!row) return undefined;
      return (JSON.parse(openSecret(row.credentials, keyringOf(master.key), credentialAssociatedData(row.projectId, row.providerId))) as { api_key: string }).api_key;
    });

  before(async () => {
    target = await createCliTarget();
    await target.withDb(async (db) => {
      await db.query(`insert into public.ai_providers (name, provider_class, api_base_url) values ($1, 'OpenAIProvider', 'http://127.0.0.1:9/v1')`, [PROVIDER]);
      await db.query(`insert into public.projects (name) values ('argv-a'), ('argv-b'), ('argv-c')`);
    });
  });
  after(async () => {
    await target?.dispose();
  });

  it('--api-key <key> stores the key and warns on stderr (history, process list, use stdin) without repeating it', async () => {
    const key = upstreamKey('argv-a');
    const run = await cli(set('argv-a', '--api-key', key));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Stored the credential of project 'argv-a' for provider '${PROVIDER}' (key …${key.slice(-4)}).\n`);
    assert.match(run.stderr, /^switchboard: warning: --api-key put the key in your shell history and in the process list \(ps\)[^\n]*--api-key-stdin[^\n]*\n$/);
    assert.equal(run.stderr.includes(key), false);
    assert.equal(await storedKey('argv-a'), key);
  });

  it('--api-key - and --api-key-stdin read the key from stdin, with no warning', async () => {
    const dash = upstreamKey('argv-b');
    const fromDash = await cli(set('argv-b', '--api-key', '-'), `${dash}\n`);
    assert.equal(fromDash.code, 0, fromDash.stderr);
    assert.equal(fromDash.stderr, '');
    assert.equal(await storedKey('argv-b'), dash);

    const piped = upstreamKey('argv-c');
    const fromStdin = await cli(set('argv-c', '--api-key-stdin'), piped);
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal(fromStdin.stderr, '');
    assert.equal(await storedKey('argv-c'), piped);
  });
});
