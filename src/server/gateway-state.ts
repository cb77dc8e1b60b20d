/**
 * The gateway's own state, shared by every request's handlers (GatewayContext): the options it was
 * created with, per-key limits and the body budget, requests in flight and the wait for them at
 * shutdown; and the response class that carries its exchange and this state.
 *
 * @module
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import { BodyBudget } from './body-budget.js';
import type { Config } from '../config.js';
import type { ConfigSnapshot } from '../registry/config-snapshot.js';
import type { AIService } from '../service/ai-service.js';
import type { Exchange } from './exchange.js';
import type { GatewayContext } from './gateway-context.js';
import { KeyConcurrency } from './key-concurrency.js';
import { GatewayMetrics } from './metrics.js';
import { sharedCheck } from './shared-check.js';
import type { AdminService } from '../service/admin/admin-service.js';
import type { UsageCounters } from '../usage/reports/usage-counters.js';
import type { Tracing } from '../tracing/tracing.js';
import { loadDashboardAssets, type DashboardAssets } from './dashboard/dashboard-assets.js';

export interface GatewayOptions {
  service: AIService;
  /** The config snapshot to serve now (swapped by the config watcher). */
  snapshot: () => ConfigSnapshot;
  config: Config;
  /** Receives one JSON-able line per request. */
  log?: (line: Record<string, unknown>) => void;
  /** Readiness (database reachable, registry loaded), run at most once per second for all `/readyz` probes; defaults to "a snapshot is loaded". */
  ready?: () => Promise<boolean>;
  /** Serves `/admin/v1/*` (token: `config.adminToken`); without it those routes answer 404. */
  admin?: AdminService;
  /** Spend and token counters of the recorded ledger rows, exported on /metrics. */
  usageCounters?: UsageCounters;
  /** One server span per request (see src/tracing); off when undefined. */
  tracing?: Tracing | undefined;
  /** The dashboard served at /admin/ (default: dist/dashboard of this package, read once now). */
  dashboard?: DashboardAssets;
}

/** A response that knows its exchange, so the `close` listener needs no per-request closure. */
export class GatewayResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  exchange: Exchange | undefined;
  state: GatewayState | undefined;
}

/** How long a readiness answer (`options.ready`, a database query) serves `/readyz` probes. */
const READY_TTL_MS = 1_000;

export class GatewayState implements GatewayContext {
  readonly service: AIService;
  readonly snapshot: () => ConfigSnapshot;
  readonly config: Config;
  readonly metrics = new GatewayMetrics();
  readonly ready: () => Promise<boolean>;
  readonly log: ((line: Record<string, unknown>) => void) | undefined;
  readonly admin: AdminService | undefined;
  readonly keyConcurrency: KeyConcurrency;
  readonly bodyBudget: BodyBudget;
  readonly usageCounters: UsageCounters | undefined;
  readonly tracing: Tracing | undefined;
  readonly dashboard: DashboardAssets;
  closing = false;
  inFlight = 0;
  #idle: (() => void) | undefined;

  constructor(options: GatewayOptions) {
    this.service = options.service;
    this.snapshot = options.snapshot;
    this.config = options.config;
    this.log = options.log;
    this.admin = options.admin;
    this.keyConcurrency = new KeyConcurrency(options.config.maxConcurrentPerKey);
    this.bodyBudget = new BodyBudget(options.config.maxBufferedBodyBytes, options.config.maxBufferedBodyBytesPerKey);
    this.usageCounters = options.usageCounters;
    this.tracing = options.tracing;
    this.dashboard = options.dashboard ?? loadDashboardAssets();
    const ready = options.ready;
    this.ready =
      ready === undefined
        ? () => {
            options.snapshot();
            return Promise.resolve(true);
          }
        : sharedCheck(ready, READY_TTL_MS);
  }

  requestStarted(): void {
    this.inFlight += 1;
    this.metrics.setInFlight(this.inFlight);
  }

  requestClosed(): void {
    this.inFlight -= 1;
    this.metrics.setInFlight(this.inFlight);
    if (this.inFlight === 0) this.#idle?.();
  }

  /** Resolves true once nothing is in flight, or false after `timeoutMs`. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#idle = undefined;
        resolve(false);
      }, timeoutMs);
      this.#idle = () => {
        clearTimeout(timer);
        this.#idle = undefined;
        resolve(true);
      };
    });
  }
}
