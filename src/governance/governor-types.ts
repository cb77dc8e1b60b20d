/**
 * The governor's request and options types (governor.ts re-exports them).
 *
 * @module
 */
import type { Db } from '../db/db.js';
import type { ModelEntry, ProviderEntry } from '../registry/provider-registry.js';
import type { PriceBook } from '../registry/price-book.js';
import type { GovernanceSettings } from './governance-settings.js';

/** A call's worst case in tokens: its input (tokenizer) and the most it may generate. */
export interface TokenEstimate {
  inputTokens: number;
  outputTokens: number;
  /** The server-side web searches it may run, when it carries a web search tool (estimate-call.ts). */
  webSearches?: WebSearchBound;
}

/** The web searches a call's web search tools may run (each billed at `web_search_per_call`). */
export interface WebSearchBound {
  /** Searches the request's own caps allow (Anthropic's `max_uses`, the Responses API's `max_tool_calls`). */
  capped: number;
  /** Some search tool has no cap: `GovernanceSettings.webSearchReserve` more are reserved. */
  uncapped: boolean;
}

export interface AdmitRequest {
  projectId: string | undefined;
  apiKeyId: string | undefined;
  /** The public name the client sent (a model, or later a route). */
  publicName: string;
  model: ModelEntry;
  provider: ProviderEntry;
  /** The worst case; only called when a budget or a token limit applies (a promise when it needs the tokenizer). */
  estimate: () => TokenEstimate | Promise<TokenEstimate>;
  /**
   * Whether this call is one more request against requests-per-minute limits (default true). A
   * route's fallback or retry attempt passes false: its client request was counted by its first
   * admitted attempt. Tokens and budgets are reserved for every attempt.
   */
  countRequest?: boolean;
  /**
   * Only one request against requests-per-minute limits: no tokens, no budget (a call that
   * generates nothing and costs nothing, such as counting tokens). Default false.
   */
  requestsOnly?: boolean;
}

export type GovernorLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface GovernorOptions {
  db: Db;
  prices: () => PriceBook;
  settings?: Partial<GovernanceSettings>;
  log?: GovernorLog;
  /** This instance's id in lease rows, at most 86 characters (default: a random UUID). */
  instanceId?: string;
  /**
   * The instance's clock, epoch ms (default `Date.now`). Periods and fixed windows follow the
   * database's clock: its offset from this one is measured on the statements the governor runs.
   */
  now?: () => number;
}
