import type { Config } from '../config.js';
import type { ConfigSnapshot } from '../registry/config-snapshot.js';
import type { AIService } from '../service/ai-service.js';
import type { KeyConcurrency } from './key-concurrency.js';
import type { BodyBudget } from './body-budget.js';
import type { UsageCounters } from '../usage/reports/usage-counters.js';
import type { GatewayMetrics } from './metrics.js';

/** What route handlers share: the service, the live config snapshot and the gateway's own state. */
export interface GatewayContext {
  readonly service: AIService;
  readonly snapshot: () => ConfigSnapshot;
  readonly config: Config;
  readonly metrics: GatewayMetrics;
  /** Spend and token counters per project and model (when the ledger records usage). */
  readonly usageCounters?: UsageCounters | undefined;
  readonly ready: () => Promise<boolean>;
  /** Requests in flight per API key (`config.maxConcurrentPerKey`). */
  readonly keyConcurrency: KeyConcurrency;
  /** Bytes of unfinished request bodies, per key and in all (`config.maxBufferedBodyBytes*`). */
  readonly bodyBudget: BodyBudget;
  /** Set by `close()`: answers say `connection: close` so clients stop reusing sockets. */
  closing: boolean;
}
