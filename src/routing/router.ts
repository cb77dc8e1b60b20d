/**
 * The routing engine of one instance: the current route table (from the config snapshot), the
 * local circuit breakers (with the shared transitions applied), the blocked credentials, and the
 * writer of this instance's breaker transitions (queued, off the request path).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { CredentialTarget } from '../credentials/credential-resolver.js';
import type { Queryable } from '../db/db.js';
import { reportCredentialBlock, reportRouteHealth } from '../db/sql/routes.js';
import { errorMessage } from '../errors.js';
import { CircuitBreakers, type BreakerTransition } from './circuit-breakers.js';
import { CREDENTIAL_BLOCK_MS, CredentialBlocks } from './credential-blocks.js';
import type { RouteEntry, RouteTable } from './route-table.js';
import type { HealthView } from './select-targets.js';

export interface RouterOptions {
  /** The current route table (swapped with the config snapshot). */
  table: () => RouteTable;
  /** Where breaker transitions are shared (absent: local only). */
  db?: Queryable;
  /** This instance's name in the health rows (default: a random id). */
  instance?: string;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /**
   * The keyed fingerprint a shared block of (project, provider) is written with: that of the
   * env-var key refused (see src/credentials/credential-fingerprint.ts). Absent or undefined: none
   * (the block applies on every instance). Called off the request path, with the write.
   */
  blockFingerprint?: (projectId: string | null, provider: CredentialTarget) => Promise<string | undefined>;
  now?: () => number;
  random?: () => number;
}

export class Router implements HealthView {
  readonly breakers: CircuitBreakers;
  readonly credentials = new CredentialBlocks();
  readonly instance: string;
  readonly now: () => number;
  readonly random: () => number;
  readonly #table: () => RouteTable;
  readonly #db: Queryable | undefined;
  readonly #log: NonNullable<RouterOptions['log']>;
  readonly #fingerprint: RouterOptions['blockFingerprint'];
  #writing: Promise<void> = Promise.resolve();
  #appliedHealth: RouteTable['health'] | undefined;
  #appliedBlocks: RouteTable['credentialBlocks'] | undefined;

  constructor(options: RouterOptions) {
    this.#table = options.table;
    this.#db = options.db;
    this.#log = options.log ?? (() => {});
    this.#fingerprint = options.blockFingerprint;
    this.instance = options.instance ?? `gw-${randomUUID().slice(0, 8)}`;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.breakers = new CircuitBreakers((transition) => this.#share(transition), this.random);
  }

  /** The route a project sees under `name`, if any (a route shadows a model of the same name). */
  find(name: string, projectId: string | null | undefined): RouteEntry | undefined {
    const table = this.syncHealth();
    return table.routes.length === 0 ? undefined : table.find(name, projectId);
  }

  /** Applies the shared breaker rows and credential blocks of the current table (once per snapshot); returns the table. */
  syncHealth(): RouteTable {
    const table = this.#table();
    if (table.health !== this.#appliedHealth) {
      this.#appliedHealth = table.health;
      this.breakers.applyShared(table.health, this.now(), this.instance);
    }
    if (table.credentialBlocks !== this.#appliedBlocks) {
      this.#appliedBlocks = table.credentialBlocks;
      this.credentials.applyShared(table.credentialBlocks, this.now(), this.instance);
    }
    return table;
  }

  /** Blocks a refused credential here at once, and on every other instance through the database (queued, off the request path). */
  blockCredential(projectId: string | null, provider: CredentialTarget, reason: string): void {
    const providerId = provider.id;
    this.credentials.block(projectId, providerId, this.now());
    this.#log('warn', `credential blocked for ${CREDENTIAL_BLOCK_MS / 1000} s: provider ${providerId}${projectId ? `, project ${projectId}` : ''} (${reason})`);
    const db = this.#db;
    if (db === undefined) return;
    const fingerprintOf = this.#fingerprint;
    this.#queue(async () => {
      const fingerprint = fingerprintOf === undefined ? undefined : await fingerprintOf(projectId, provider);
      await reportCredentialBlock(db, { projectId, providerId, blockMs: CREDENTIAL_BLOCK_MS, reason, instance: this.instance, fingerprint });
    }, 'credential block');
  }

  table(): RouteTable {
    return this.#table();
  }

  openUntil(key: string, now: number, projectId?: string | null): number | undefined {
    return this.breakers.openUntil(key, now, projectId);
  }

  credentialBlocked(projectId: string | null, providerId: string, now: number): boolean {
    return this.credentials.isBlocked(projectId, providerId, now);
  }

  /** Resolves once every transition queued so far is written (tests, shutdown). */
  flush(): Promise<void> {
    return this.#writing;
  }

  #share(transition: BreakerTransition): void {
    this.#log(transition.state === 'open' ? 'warn' : 'info', `circuit breaker ${transition.state}: ${transition.vendorModelId} (${transition.reason})`);
    const db = this.#db;
    if (db === undefined) return;
    this.#queue(() => reportRouteHealth(db, { ...transition, instance: this.instance }), 'circuit breaker');
  }

  /** Writes one shared state change after the ones queued before it; a failure is logged, never thrown. */
  #queue(write: () => Promise<void>, what: string): void {
    this.#writing = this.#writing.then(write).catch((error: unknown) => this.#log('warn', `${what}: sharing the change failed: ${errorMessage(error)}`));
  }
}
