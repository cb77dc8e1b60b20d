import { once } from 'node:events';
import { createEnvCredentialResolver } from '../../credentials/env-credentials.js';
import { SwitchboardError } from '../../errors.js';
import { defaultProviderDeps } from '../../providers/shared/provider-deps.js';
import { upstreamOptions } from '../../service/upstream-options.js';
import { PriceBook } from '../../registry/price-book.js';
import { ApiKeyIndex } from '../../registry/api-key-index.js';
import type { ConfigSnapshot } from '../../registry/config-snapshot.js';
import { loadProviderClasses } from '../../registry/load-provider-classes.js';
import { buildRegistry } from '../../registry/provider-loader.js';
import { createGateway } from '../../server/app.js';
import { Router } from '../../routing/router.js';
import { benchRouteTable } from './bench-route.js';
import { AIService } from '../../service/ai-service.js';
import { print, printJson, type Command } from '../cli-context.js';
import { integerOption, parseOptions, requireOption } from '../parse-options.js';
import { benchConfigFromChild, materializeBenchConfig } from './bench-config.js';
import { openBenchLedger } from './bench-ledger.js';
import { loadTracing } from '../../tracing/load-tracing.js';
import { tracingSettings } from '../../tracing/tracing-settings.js';
import { UsageRecorder } from '../../usage/usage-recorder.js';
import { openBenchGovernance } from './bench-governance.js';
import { applyHeapGrowth } from './heap-growth.js';
import { applyPretenuring } from './pretenuring.js';
import { batchedLogLines } from '../log-lines.js';
import { hasPassword, passwordArgumentWarning } from '../url-password.js';

export const benchServeCommand: Command = {
  name: 'bench-serve',
  summary: 'run the gateway on a throwaway in-memory database against one upstream (benchmarks)',
  usage: [
    'Usage: switchboard bench-serve --port <P> --upstream <URL ending in /v1> --key <K> [--host 127.0.0.1] [--quiet]',
    '                               [--usage-database-url <postgres URL>] [--governance-database-url <postgres URL>] [--route <name>]',
    '',
    'Builds a fresh in-memory embedded database (in a short-lived child process) where the seeded',
    'openai provider (models gpt-4o-mini, text-embedding-3-small, …) points at --upstream and --key is',
    "accepted as the API key of a project 'bench', loads it into the registry, and serves it: no live",
    'changes, nothing written to disk, upstream key from env. --quiet turns off the request log.',
    '--usage-database-url turns the usage ledger on: that Postgres database is migrated and every',
    'attempt is recorded there (SWITCHBOARD_USAGE_* settings as for serve), flushed on SIGTERM.',
    '--route <name> also serves a two-target route of that name (gpt-4o-mini 50 / gpt-4o 50).',
    '--governance-database-url puts a budget and a rate limit (too large to refuse) on the key, leased',
    'from that Postgres database (SWITCHBOARD_GOVERNANCE_* settings as for serve).',
  ].join('\n'),
  async run(args, context) {
    const { values } = parseOptions(args, {
      port: { type: 'string' },
      upstream: { type: 'string' },
      key: { type: 'string' },
      host: { type: 'string' },
      quiet: { type: 'boolean' },
      materialize: { type: 'boolean' },
      'usage-database-url': { type: 'string' },
      route: { type: 'string' },
      'governance-database-url': { type: 'string' },
    });
    for (const flag of ['usage-database-url', 'governance-database-url'] as const) {
      const url = values[flag];
      if (url !== undefined && hasPassword(url)) context.stderr.write(passwordArgumentWarning(`--${flag}`, 'give it without the password and set PGPASSWORD in the environment instead'));
    }
    const upstream = requireOption(values.upstream, '--upstream');
    if (!/^https?:\/\//.test(upstream)) throw new SwitchboardError('invalid_request', '--upstream must be an http(s) URL');
    const key = requireOption(values.key, '--key');
    if (values.materialize) {
      printJson(context, await materializeBenchConfig(upstream, key));
      return 0;
    }
    const port = integerOption(requireOption(values.port, '--port'), '--port', 0, 65535);

    applyHeapGrowth();
    applyPretenuring();
    const rows = await benchConfigFromChild(upstream, key);
    const deps = defaultProviderDeps(upstreamOptions(context.config));
    const classes = await loadProviderClasses(context.config.providersDir);
    const registry = buildRegistry(rows.providers, rows.models, rows.version, { classes, deps });
    const snapshot: ConfigSnapshot = {
      version: rows.version,
      registry,
      apiKeys: new ApiKeyIndex(rows.apiKeys),
      prices: new PriceBook(rows.prices),
      routes: benchRouteTable(registry, values.route),
    };
    const usageUrl = values['usage-database-url'];
    const log = (level: string, message: string, fields?: Record<string, unknown>): void => {
      context.stderr.write(`${JSON.stringify({ level, message, ...fields })}\n`);
    };
    const tracing = await loadTracing(tracingSettings(context.config.env), log);
    const observers = tracing ? [tracing.observer] : [];
    const ledger = usageUrl ? await openBenchLedger(usageUrl, () => snapshot.prices, rows.prices, log, observers) : undefined;
    // Tracing without the ledger: attempts are observed, nothing is written.
    const usage = ledger?.usage ?? (tracing ? new UsageRecorder({ prices: () => snapshot.prices, log, observers }) : undefined);
    const governanceUrl = values['governance-database-url'];
    const benchKey = rows.apiKeys[0];
    const governance = governanceUrl && benchKey ? await openBenchGovernance(governanceUrl, benchKey, () => snapshot.prices, log) : undefined;
    try {
      const service = new AIService({
        ...(governance ? { governor: governance.governor } : {}),
        registry: () => snapshot.registry,
        credentials: createEnvCredentialResolver({ OPENAI_API_KEY: 'sk-bench-upstream' }),
        ...(usage ? { usage } : {}),
        router: new Router({ table: () => snapshot.routes }),
      });
      const gateway = createGateway({
        service,
        snapshot: () => snapshot,
        config: context.config,
        tracing,
        ...(values.quiet ? {} : { log: batchedLogLines(context.stdout).write }),
      });
      const address = await gateway.listen(port, values.host ?? '127.0.0.1');
      const notes = [ledger ? 'usage ledger on' : '', tracing ? 'tracing on' : '', governance ? 'budget and rate limit on' : ''].filter(Boolean).join(', ');
      print(context, `Switchboard bench gateway on http://${address.address}:${address.port} → ${upstream}${notes ? ` (${notes})` : ''}`);
      await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
      await gateway.close();
      await deps.dispatcher.close();
    } finally {
      await ledger?.close();
      await tracing?.shutdown();
      await governance?.close();
    }
    return 0;
  },
};
