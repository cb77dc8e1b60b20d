import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { createGateway } from '../../server/app.js';
import { createSwitchboard } from '../../service/switchboard.js';
import { SwitchboardError } from '../../errors.js';
import { print, type CliContext, type Command } from '../cli-context.js';
import { integerOption, parseOptions } from '../parse-options.js';
import { adminServiceFor, startInstanceReporting } from '../../service/admin/admin-for-switchboard.js';
import { announceGeneratedAdminToken, resolveAdminToken } from './admin-token.js';
import { bootstrapFirstStart, hasNoProject } from './bootstrap.js';
import { writeEndpoint } from './endpoint-file.js';
import { applyHeapGrowth } from './heap-growth.js';
import { applyPretenuring } from './pretenuring.js';
import { memoryReducerNotice } from './memory-reducer.js';
import { gcThreadsNotice } from './gc-threads.js';
import { metricsNotice } from './metrics-notice.js';
import { openFilesNotice, readOpenFilesLimit } from './open-files.js';
import { upstreamOptions } from '../../service/upstream-options.js';
import { startUsageRetention } from '../../usage/reports/usage-retention.js';
import { loadTracing } from '../../tracing/load-tracing.js';
import { tracingSettings } from '../../tracing/tracing-settings.js';
import { batchedLogLines } from '../log-lines.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the OpenAI-compatible gateway',
  usage: [
    'Usage: switchboard serve [--host 127.0.0.1] [--port 4141] [--no-migrate]',
    '',
    'Serves /v1/chat/completions, /v1/embeddings, /v1/models, /healthz, /readyz and /metrics.',
    'HOST and PORT env vars are honoured; flags win. Stops gracefully on SIGTERM/SIGINT.',
  ].join('\n'),
  async run(args, context) {
    const { values } = parseOptions(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      'no-migrate': { type: 'boolean' },
    });
    const host = values.host ?? context.config.host;
    const port = values.port === undefined ? context.config.port : integerOption(values.port, '--port', 0, 65535);
    applyHeapGrowth();
    applyPretenuring();
    return serve(context, { host, port, migrate: !values['no-migrate'] });
  },
};

/** Starts the gateway and resolves with the exit code once it has stopped on a signal. */
export async function serve(context: CliContext, options: { host: string; port: number; migrate: boolean }): Promise<number> {
  // Listen before starting anything: a SIGTERM that arrives during start-up (a supervisor, a test
  // that saw the first lines) stops the gateway once it is up instead of killing it half-started.
  const stopping = new AbortController();
  const stopSignal = Promise.race(
    (['SIGTERM', 'SIGINT'] as const).map((name) => once(process, name, { signal: stopping.signal }).then(() => name)),
  );
  stopSignal.catch(() => {});
  try {
    return await serveUntil(context, options, stopSignal);
  } finally {
    stopping.abort();
  }
}

async function serveUntil(
  context: CliContext,
  options: { host: string; port: number; migrate: boolean },
  stopSignal: Promise<'SIGTERM' | 'SIGINT'>,
): Promise<number> {
  const { config } = context;
  const lines = batchedLogLines(context.stdout);
  const logLine = lines.write;
  const tracing = await loadTracing(tracingSettings(config.env), (level, message, fields) =>
    logLine({ time: new Date().toISOString(), level, msg: message, ...fields }),
  );
  const switchboard = await createSwitchboard({
    ...(tracing ? { observers: [tracing.observer] } : {}),
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    dataDir: config.dataDir,
    env: config.env,
    ...(config.providersDir === undefined ? {} : { providersDir: config.providersDir }),
    migrate: options.migrate,
    pollMs: config.configPollMs,
    listen: config.configListen,
    upstream: upstreamOptions(config),
    log: (level, message, fields) => logLine({ time: new Date().toISOString(), level, msg: message, ...fields }),
  });
  // Embedded only: on Postgres the key would land in container logs (and the runtime role cannot
  // create projects); an operator creates them with `switchboard projects create` / the admin API.
  const bootstrap = config.databaseUrl === undefined ? await bootstrapFirstStart(switchboard.db) : undefined;
  if (bootstrap) await switchboard.reload();
  const noProjectYet = config.databaseUrl !== undefined && (await hasNoProject(switchboard.db));
  const adminToken = resolveAdminToken(config, { generate: !config.databaseUrl });
  const serviceLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void =>
    logLine({ time: new Date().toISOString(), level, msg: message, ...fields });
  const instance = await startInstanceReporting(switchboard, { log: serviceLog });
  const admin = adminServiceFor(switchboard, { instanceId: instance.id, log: serviceLog });

  const gateway = createGateway({
    service: switchboard.service,
    snapshot: () => switchboard.watcher.snapshot,
    config: Object.freeze({ ...config, adminToken: adminToken.token }),
    admin,
    usageCounters: switchboard.usageCounters,
    tracing,
    log: logLine,
    ready: async () => {
      await switchboard.db.query('select 1');
      return true;
    },
  });
  let address;
  try {
    address = await gateway.listen(options.port, options.host);
  } catch (error) {
    await instance.stop();
    await switchboard.close();
    throw new SwitchboardError('invalid_request', `cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`);
  }
  const baseUrl = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  const where = config.databaseUrl ? 'Postgres' : `embedded database ${config.dataDir}`;
  lines.flush();
  print(context, `Switchboard listening on ${baseUrl} (${where})`);
  const openFiles = openFilesNotice(readOpenFilesLimit(), config.upstreamMaxConnections);
  logLine({ time: new Date().toISOString(), level: openFiles.level, msg: openFiles.message });
  const memoryReducer = memoryReducerNotice(process.execArgv);
  if (memoryReducer) logLine({ time: new Date().toISOString(), level: 'info', msg: memoryReducer });
  const gcThreads = gcThreadsNotice(process.execArgv, availableParallelism());
  if (gcThreads) logLine({ time: new Date().toISOString(), level: 'info', msg: gcThreads });
  const openMetrics = metricsNotice(address.address, config.metricsToken);
  if (openMetrics) logLine({ time: new Date().toISOString(), level: 'warn', msg: openMetrics });
  lines.flush();
  if (bootstrap) printFirstStart(context, baseUrl, bootstrap.key);
  if (noProjectYet) print(context, NO_PROJECT_HINT);
  if (adminToken.generated) announceGeneratedAdminToken(context, adminToken.file, adminToken.token);
  const removeEndpoint = config.databaseUrl ? () => {} : writeEndpoint(config.dataDir, baseUrl);
  const retention = startUsageRetention(switchboard.db, {
    retentionDays: config.usageRetentionDays,
    log: (level, message, fields) => logLine({ time: new Date().toISOString(), level, msg: message, ...fields }),
  });

  const signal = await stopSignal;
  lines.flush();
  print(context, `Received ${signal}: shutting down (waiting up to ${config.shutdownTimeoutMs} ms for requests in flight)…`);
  await retention.stop();
  await gateway.close();
  removeEndpoint();
  await instance.stop();
  await switchboard.close();
  await tracing?.shutdown();
  lines.flush();
  print(context, 'Stopped.');
  return 0;
}

const NO_PROJECT_HINT =
  'No project yet: create one and its first API key with `switchboard projects create <name>` and ' +
  '`switchboard keys create --project <name>` (or the admin API), as a role that may write them.';

function printFirstStart(context: CliContext, baseUrl: string, key: string): void {
  print(
    context,
    [
      '',
      "First start: created project 'default' and this API key (shown only once, keep it):",
      `  ${key}`,
      '',
      'Call me:',
      `  curl ${baseUrl}/v1/chat/completions -H "Authorization: Bearer ${key}" -H "content-type: application/json" -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`,
      `  new OpenAI({ baseURL: '${baseUrl}/v1', apiKey: '${key}' })   // the official openai SDK`,
      '',
      'Provider keys: set OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY in the environment, or store one per project:',
      '  switchboard credentials set --project default --provider openai --api-key-stdin',
      '',
    ].join('\n'),
  );
}
