/**
 * `createSwitchboard()`: the library entry point. Opens the database (embedded by default),
 * migrates it, loads the provider registry from its rows, keeps it current, and exposes chat,
 * stream, embed and models.
 *
 * @module
 */
import path from 'node:path';
import type { Db } from '../db/db.js';
import { migrate } from '../db/migrate.js';
import { openDb } from '../db/open-db.js';
import type { CredentialResolver, CredentialTarget } from '../credentials/credential-resolver.js';
import { envCredentialFingerprints, refusedCredentialFingerprint } from '../credentials/credential-fingerprint.js';
import { bindLegacyCredentials, describeBinding } from '../credentials/bind-legacy-credentials.js';
import { CredentialStore } from '../credentials/credential-store.js';
import { envVarPolicyOf } from '../credentials/env-var-policy.js';
import { loadKeyring, type Keyring } from '../crypto/keyring.js';
import { scopedIdKey } from '../crypto/scoped-id.js';
import { errorMessage, SwitchboardError } from '../errors.js';
import { Cancel } from '../cancel.js';
import type { ChatResponse, EmbedResponse, StreamPart } from '../providers/spec/index.js';
import { defaultProviderDeps, type ProviderDeps, type ProviderDepsOptions } from '../providers/shared/provider-deps.js';
import { ConfigWatcher } from '../registry/config-watcher.js';
import { loadProviderClasses } from '../registry/load-provider-classes.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { loadConfigMinIntervalMs, loadUsageSettings } from '../config.js';
import type { UsageObserver } from '../usage/usage-observer.js';
import { UsageRecorder } from '../usage/usage-recorder.js';
import { UsageWriter, type UsageWriterSettings } from '../usage/usage-writer.js';
import { countUsageRow, UsageCounters } from '../usage/reports/usage-counters.js';
import { Router } from '../routing/router.js';
import { liftBlocksOnProviderEdits } from '../routing/provider-edit-lifts.js';
import { Governor } from '../governance/governor.js';
import { RulesFollower } from '../governance/rules-follower.js';
import { loadGovernanceSettings, type GovernanceSettings } from '../governance/governance-settings.js';
import { AIService, type CallContext, type PublicChatRequest, type PublicEmbedRequest } from './ai-service.js';

export interface SwitchboardOptions {
  /** Postgres URL; default `DATABASE_URL` of `env` (so of `process.env` unless `env` is given); unset = embedded database. */
  databaseUrl?: string;
  /** Embedded database directory; default `SWITCHBOARD_DATA_DIR` or `./.switchboard/db`. */
  dataDir?: string;
  /** An already-open database (the caller keeps ownership). */
  db?: Db;
  /**
   * The environment every setting is read from (DATABASE_URL, SWITCHBOARD_*, the master key, and
   * the credential fallback's keys); default `process.env`. A map given here replaces
   * `process.env` entirely: spread it (`{ ...process.env, ... }`) to keep the process's settings.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Folder of user provider classes; default `SWITCHBOARD_PROVIDERS_DIR`. */
  providersDir?: string;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** Config version poll interval, ms (default 5000; 0 = off). */
  pollMs?: number;
  /** LISTEN for config changes (default true). */
  listen?: boolean;
  /**
   * The least time from one config check or reload to a check a notification asks for, ms
   * (default SWITCHBOARD_CONFIG_MIN_INTERVAL_MS, else 50).
   */
  configMinIntervalMs?: number;
  /** The longest one config version check or reload may take, ms (default 30,000). */
  configCheckTimeoutMs?: number;
  /** The longest one credential load may take before the call fails with a 503, ms (default 10,000). */
  credentialLoadTimeoutMs?: number;
  /**
   * The master keyring for stored credentials. Default: from SWITCHBOARD_MASTER_KEY(_FILE); in
   * embedded mode a key generated next to the data dir (`<dataDir>/../master.key`).
   */
  keyring?: Keyring;
  /**
   * Replaces the per-project credential store (stored rows, then env vars). It marks a project's own
   * key `projectOwned: true`; any other is taken as shared (end-user ids and cache keys scoped).
   */
  credentials?: CredentialResolver;
  deps?: ProviderDeps;
  /** Connection limit and answer caps of the default deps (ignored with `deps`). */
  upstream?: ProviderDepsOptions;
  /**
   * The usage ledger: one row per upstream attempt, batched. Default: on, with the settings of the
   * SWITCHBOARD_USAGE* env vars; `false` turns it off; an object overrides settings.
   */
  usage?: false | Partial<UsageWriterSettings>;
  /** Budgets, rate limits and model access (default on, SWITCHBOARD_GOVERNANCE_* settings); `false` turns them off. */
  governance?: false | Partial<GovernanceSettings>;
  /** Also watch every upstream attempt, ledger on or off (e.g. `tracing.observer`, see src/tracing). */
  observers?: readonly UsageObserver[];
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** A running Switchboard: call models configured in the database. */
export interface Switchboard {
  chat(request: PublicChatRequest, context?: CallContext): Promise<ChatResponse>;
  /** Streams parts; breaking out of the loop aborts the upstream request. */
  stream(request: PublicChatRequest, context?: CallContext): AsyncIterable<StreamPart>;
  embed(request: PublicEmbedRequest, context?: CallContext): Promise<EmbedResponse>;
  /** The models that can be called now. */
  models(): ModelEntry[];
  /**
   * Reloads every part of the configuration (emptying the credential caches) and the governance
   * rules from the database now.
   */
  reload(): Promise<void>;
  /**
   * Applies what changed in the database since the version served: only the parts whose tables
   * moved (the credential caches are emptied only when credentials, projects or keys changed), and
   * the governance rules when theirs did. Resolves once this instance serves it (an admin write
   * awaits this before it answers).
   */
  reloadChanged(): Promise<void>;
  close(): Promise<void>;
  readonly db: Db;
  readonly service: AIService;
  readonly watcher: ConfigWatcher;
  /** The per-project credential store (stored rows, then env vars). */
  readonly credentials: CredentialStore;
  /** The provider_class names this instance can load. */
  readonly providerClasses: readonly string[];
  /** Spend and tokens per project and model of the rows recorded by this instance (/metrics). */
  readonly usageCounters: UsageCounters;
  /** Budgets, rate limits and model access, unless turned off. */
  readonly governor: Governor | undefined;
}

export async function createSwitchboard(options: SwitchboardOptions = {}): Promise<Switchboard> {
  const env = options.env ?? process.env;
  const ownsDb = !options.db;
  const databaseUrl = options.databaseUrl ?? nonEmpty(env['DATABASE_URL']);
  const dataDir = path.resolve(options.dataDir ?? nonEmpty(env['SWITCHBOARD_DATA_DIR']) ?? '.switchboard/db');
  const log = options.log ?? (() => {});
  const keyring =
    options.keyring ??
    loadKeyring({ ...env }, {
      mode: options.db || databaseUrl ? 'postgres' : 'embedded',
      dataDir: path.dirname(dataDir),
      warn: (message) => log('warn', message),
    });
  const db = options.db ?? (await openDb({ databaseUrl, dataDir }));
  const ownsDeps = !options.deps;
  const deps = options.deps ?? defaultProviderDeps(options.upstream);
  try {
    if (options.migrate ?? true) await migrate(db);
    const classes = await loadProviderClasses(options.providersDir ?? nonEmpty(env['SWITCHBOARD_PROVIDERS_DIR']), (message) => log('warn', message));
    const classBaseUrl = (className: string): string | undefined => classes.get(className)?.defaults.baseUrl;
    const envVarPolicy = envVarPolicyOf(env);
    if (keyring) await bindLegacy(db, keyring, classBaseUrl, log);
    // Shared credential blocks name the env-var key refused; one for another key is not applied here
    // (not with a resolver of the caller's, whose keys this instance cannot tell).
    const fingerprints = options.credentials ? undefined : envCredentialFingerprints(keyring?.current, env, envVarPolicy, keyring?.all);
    const watcher = new ConfigWatcher(db, {
      loader: { classes, deps, warn: (message) => log('warn', message), cache: new Map(), envVarPolicy, ...(fingerprints ? { credentialFingerprints: fingerprints.held } : {}) },
      pollMs: options.pollMs ?? 5000,
      listen: options.listen ?? true,
      minIntervalMs: options.configMinIntervalMs ?? loadConfigMinIntervalMs(env),
      ...(options.configCheckTimeoutMs === undefined ? {} : { checkTimeoutMs: options.configCheckTimeoutMs }),
      log,
    });
    await watcher.start();
    const store = new CredentialStore(db, keyring, env, {
      classBaseUrl,
      ...(options.credentialLoadTimeoutMs === undefined ? {} : { loadTimeoutMs: options.credentialLoadTimeoutMs }),
    });
    const router = new Router({
      table: () => watcher.snapshot.routes,
      db,
      log: (level, message) => log(level, message),
      ...(fingerprints ? { blockFingerprint: (projectId: string | null, provider: CredentialTarget) => refusedCredentialFingerprint(store, fingerprints, projectId, provider) } : {}),
    });
    watcher.onChange((_snapshot, parts) => {
      if (parts.has('credentials')) {
        store.invalidate();
        router.credentials.clear();
      }
    });
    liftBlocksOnProviderEdits(watcher, router.credentials);
    const usageSettings = loadUsageSettings(env);
    const usageCounters = new UsageCounters();
    const projectName = (id: string): string | undefined => watcher.snapshot.apiKeys.projectName(id);
    const ledger = !(options.usage === false || (options.usage === undefined && !usageSettings.enabled));
    const observers = options.observers ?? [];
    const governor =
      options.governance === false
        ? undefined
        : new Governor({ db, prices: () => watcher.snapshot.prices, settings: { ...loadGovernanceSettings(env), ...options.governance }, log });
    const usage =
      !ledger && observers.length === 0
        ? undefined
        : new UsageRecorder({
            writer: ledger ? new UsageWriter(db, { ...usageSettings, ...options.usage }, log) : undefined,
            onRow: (row, costPico) => countUsageRow(usageCounters, row, costPico, projectName),
            prices: () => watcher.snapshot.prices,
            // Prices take effect by the database's clock, measured by the governor (none: this one's).
            ...(governor ? { clockOffsetMs: () => governor.clockOffsetMs } : {}),
            log,
            observers,
          });
    const rules = governor && new RulesFollower(governor);
    if (governor && rules) {
      await governor.start();
      rules.expect(watcher.snapshot.version);
      watcher.onChange((snapshot, parts) => {
        if (parts.has('governance')) rules.changed(snapshot.version);
      });
    }
    const service = new AIService({
      ...(governor ? { governor } : {}),
      registry: () => watcher.snapshot.registry,
      credentials: options.credentials ?? store,
      ...(usage ? { usage } : {}),
      router,
      // Every instance shares the master key: the pseudonyms agree across instances and restarts.
      scopedIdKey: scopedIdKey(keyring?.current),
    });
    // The configuration snapshot and the governance rules both, before the caller goes on (the
    // watcher's own governor.reload() is not awaited; this one joins it and reads again after it).
    const reload = async (): Promise<void> => {
      await watcher.refresh();
      await governor?.reload();
    };
    let closing: Promise<void> | undefined;
    // Calls made through this object (chat, embed, a stream being iterated): close() cancels them and
    // waits for their ledger rows; a call after close() is refused.
    const calls = new Set<Cancel>();
    let idle: (() => void) | undefined;
    const begin = (context: CallContext = {}): { context: CallContext; end: () => void } => {
      if (closing) throw closedError();
      const cancel = new Cancel();
      const outer = context.signal;
      let unlink = (): void => {};
      if (outer?.aborted) cancel.abort(outer.reason);
      else if (outer) {
        const onAbort = (): void => cancel.abort(outer.reason);
        outer.addEventListener('abort', onAbort, { once: true });
        unlink = () => outer.removeEventListener('abort', onAbort);
      }
      calls.add(cancel);
      let ended = false;
      return {
        // This call's own controller: a route deadline aborts it, never the caller's controller.
        context: { ...context, signal: cancel.signal, abortController: cancel },
        end: () => {
          if (ended) return;
          ended = true;
          unlink();
          calls.delete(cancel);
          if (calls.size === 0) idle?.();
        },
      };
    };
    const guarded = async <T>(context: CallContext | undefined, run: (context: CallContext) => Promise<T>): Promise<T> => {
      const call = begin(context);
      try {
        return await run(call.context);
      } finally {
        call.end();
      }
    };
    return {
      db,
      service,
      watcher,
      credentials: store,
      providerClasses: [...classes.keys()],
      usageCounters,
      governor,
      chat: (request, context) => guarded(context, async (inner) => (await service.chat(request, inner)).response),
      stream: (request, context) => lazyStream(service, request, () => begin(context)),
      embed: (request, context) => guarded(context, async (inner) => (await service.embed(request, inner)).response),
      models: () => service.models(),
      reload,
      reloadChanged: async () => {
        // Version 0: the version row is unreadable, so nothing can say what changed.
        if (watcher.snapshot.version === 0) return reload();
        await watcher.refresh(new Set());
        // The watcher started the rules' reload when their tables moved (not awaited): join it.
        if (rules?.behind) await governor?.reload();
      },
      // Idempotent: a second close() (e.g. from a finally and a signal handler) waits for the first.
      close: () =>
        (closing ??= (async () => {
          // Calls still running are cancelled (each ends with its ledger row), for at most a grace period.
          if (calls.size > 0) {
            const reason = closedError();
            for (const cancel of calls) cancel.abort(reason);
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([
              new Promise<void>((resolve) => (idle = resolve)),
              new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000).unref())),
            ]);
            clearTimeout(timer);
          }
          // Ledger rows first, while the database is still open.
          await usage?.close();
          await router.flush();
          // Then the leases: what the ledger settled is reported, the rest returned.
          rules?.close();
          await governor?.close();
          await watcher.stop();
          if (ownsDeps) await deps.dispatcher.close();
          if (ownsDb) await db.close();
        })()),
    };
  } catch (error) {
    if (ownsDeps) await deps.dispatcher.close().catch(() => {});
    if (ownsDb) await db.close().catch(() => {});
    throw error;
  }
}

async function* lazyStream(service: AIService, request: PublicChatRequest, begin: () => { context: CallContext; end: () => void }): AsyncGenerator<StreamPart> {
  const call = begin();
  try {
    const outcome = await service.stream(request, call.context);
    yield* outcome.parts;
  } finally {
    call.end();
  }
}

function closedError(): SwitchboardError {
  return new SwitchboardError('internal_error', 'This Switchboard is closed: calls made after close() (or cut by it) are refused', {
    status: 503,
    isRetryable: false,
  });
}

/** Binds envelopes sealed before origin binding (logged once when it did something); never fails the start. */
async function bindLegacy(
  db: Db,
  keyring: Keyring,
  classBaseUrl: (className: string) => string | undefined,
  log: NonNullable<SwitchboardOptions['log']>,
): Promise<void> {
  try {
    const message = describeBinding(await bindLegacyCredentials(db, keyring, classBaseUrl));
    if (message) log('info', message);
  } catch (error) {
    log('warn', `stored credentials sealed before origin binding were not bound: ${errorMessage(error)}`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
