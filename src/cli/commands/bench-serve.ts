import { once } from 'node:events';
import { hashApiKey, importedKeyPrefix } from '../../crypto/api-key.js';
import { migrate } from '../../db/migrate.js';
import { openEmbeddedDb } from '../../db/pglite-adapter.js';
import { SwitchboardError } from '../../errors.js';
import { createGateway } from '../../server/app.js';
import { createSwitchboard } from '../../service/switchboard.js';
import { print, type Command } from '../cli-context.js';
import { parseOptions, requireOption } from '../parse-options.js';

export const benchServeCommand: Command = {
  name: 'bench-serve',
  summary: 'run the gateway on a throwaway in-memory database against one upstream (benchmarks)',
  usage: [
    'Usage: switchboard bench-serve --port <P> --upstream <URL ending in /v1> --key <K> [--host 127.0.0.1] [--quiet]',
    '',
    'Starts the gateway on a fresh in-memory embedded database where the seeded openai provider',
    '(models gpt-4o-mini, text-embedding-3-small, …) points at --upstream, and --key is accepted as',
    "the API key of a project 'bench'. Nothing is written to disk. --quiet turns off the request log.",
  ].join('\n'),
  async run(args, context) {
    const { values } = parseOptions(args, {
      port: { type: 'string' },
      upstream: { type: 'string' },
      key: { type: 'string' },
      host: { type: 'string' },
      quiet: { type: 'boolean' },
    });
    const port = Number(requireOption(values.port, '--port'));
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SwitchboardError('invalid_request', '--port must be 0-65535');
    const upstream = requireOption(values.upstream, '--upstream');
    if (!/^https?:\/\//.test(upstream)) throw new SwitchboardError('invalid_request', '--upstream must be an http(s) URL');
    const key = requireOption(values.key, '--key');
    const host = values.host ?? '127.0.0.1';

    const db = await openEmbeddedDb();
    await migrate(db);
    await db.query(`update public.ai_providers set api_base_url = $1 where name = 'openai'`, [upstream]);
    await db.query(`insert into public.projects (name) values ('bench')`);
    await db.query(
      `insert into public.api_keys (project_id, name, prefix, key_hash) select id, 'bench', $1, $2 from public.projects where name = 'bench'`,
      [importedKeyPrefix(key), hashApiKey(key)],
    );
    const switchboard = await createSwitchboard({ db, migrate: false, env: { OPENAI_API_KEY: 'sk-bench-upstream' }, pollMs: 0 });
    const gateway = createGateway({
      service: switchboard.service,
      snapshot: () => switchboard.watcher.snapshot,
      config: context.config,
      ...(values.quiet ? {} : { log: (line: Record<string, unknown>) => context.stdout.write(`${JSON.stringify(line)}\n`) }),
    });
    const address = await gateway.listen(port, host);
    print(context, `Switchboard bench gateway on http://${address.address}:${address.port} → ${upstream}`);
    await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
    await gateway.close();
    await switchboard.close();
    await db.close();
    return 0;
  },
};
