/**
 * Governance settings from the environment (see docs/governance.md).
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';

export interface GovernanceSettings {
  /** What a refill does when the store is unreachable: refuse (503) or admit unmetered. */
  fail: 'closed' | 'open';
  /** Lease chunk as a fraction of the limit (SWITCHBOARD_GOVERNANCE_LEASE_FRACTION, default 0.05). */
  leaseFraction: number;
  /** A lease not renewed for this long expires and is charged whole (default 30 s). */
  leaseTtlMs: number;
  /** Background exchange interval: reports, renewals, prefetch (default 250 ms). */
  syncMs: number;
  /** An unused counter returns its lease after this long (default 10 s). */
  idleMs: number;
  /**
   * The longest a call waits on a lease exchange (SWITCHBOARD_GOVERNANCE_TIMEOUT_MS, default 2 s);
   * past it the call gets what `fail` says, as when the store is unreachable. Also each exchange's
   * lock timeout in Postgres.
   */
  timeoutMs: number;
  /**
   * Web searches a call's reservation counts for a web search tool the request does not cap
   * (SWITCHBOARD_WEB_SEARCH_RESERVE, default 5): Anthropic's without `max_uses`, the Responses API's
   * without `max_tool_calls`. Settlement charges the searches actually run.
   */
  webSearchReserve: number;
  /** SWITCHBOARD_REDIS_URL: rate-limit counters on Redis (budgets stay in Postgres). */
  redisUrl?: string;
}

export const defaultGovernanceSettings: GovernanceSettings = {
  fail: 'closed',
  leaseFraction: 0.05,
  leaseTtlMs: 30_000,
  syncMs: 250,
  idleMs: 10_000,
  timeoutMs: 2000,
  webSearchReserve: 5,
};

export function loadGovernanceSettings(env: Readonly<Record<string, string | undefined>>): GovernanceSettings {
  const fail = env['SWITCHBOARD_GOVERNANCE_FAIL']?.trim() || 'closed';
  if (fail !== 'closed' && fail !== 'open') {
    throw new SwitchboardError('invalid_request', `SWITCHBOARD_GOVERNANCE_FAIL must be 'closed' or 'open', got '${fail}'`);
  }
  return {
    fail,
    leaseFraction: number(env, 'SWITCHBOARD_GOVERNANCE_LEASE_FRACTION', defaultGovernanceSettings.leaseFraction, 0.0001, 1),
    leaseTtlMs: number(env, 'SWITCHBOARD_GOVERNANCE_LEASE_TTL_MS', defaultGovernanceSettings.leaseTtlMs, 1000, 3_600_000),
    syncMs: number(env, 'SWITCHBOARD_GOVERNANCE_SYNC_MS', defaultGovernanceSettings.syncMs, 10, 60_000),
    idleMs: number(env, 'SWITCHBOARD_GOVERNANCE_IDLE_MS', defaultGovernanceSettings.idleMs, 100, 3_600_000),
    timeoutMs: number(env, 'SWITCHBOARD_GOVERNANCE_TIMEOUT_MS', defaultGovernanceSettings.timeoutMs, 50, 60_000),
    webSearchReserve: integer(env, 'SWITCHBOARD_WEB_SEARCH_RESERVE', defaultGovernanceSettings.webSearchReserve, 0, 1000),
    ...(env['SWITCHBOARD_REDIS_URL']?.trim() ? { redisUrl: env['SWITCHBOARD_REDIS_URL'].trim() } : {}),
  };
}

function number(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new SwitchboardError('invalid_request', `${name} must be a number between ${min} and ${max}, got '${raw}'`);
  }
  return value;
}

function integer(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, min: number, max: number): number {
  const value = number(env, name, fallback, min, max);
  if (!Number.isInteger(value)) throw new SwitchboardError('invalid_request', `${name} must be a whole number between ${min} and ${max}, got '${env[name]?.trim() ?? ''}'`);
  return value;
}
