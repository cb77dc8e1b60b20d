/**
 * One complete ledger row to insert, for the tests of the insert and of the batched writer: every
 * column set, the raw usage holding the characters an array literal must escape.
 *
 * @module
 */
import type { UsageRowInsert } from '../../src/db/sql/usage.js';

export const sampleUsageRow: UsageRowInsert = {
  requestId: 'r',
  attempt: 1,
  startedAtMs: Date.parse('2026-12-02T10:15:00.123Z'),
  endedAtMs: Date.parse('2026-12-02T10:15:00.456Z'),
  projectId: '11111111-1111-4111-8111-111111111111',
  apiKeyId: '21111111-1111-4111-8111-111111111111',
  requestedModel: 'gpt-4o-mini',
  modelId: '31111111-1111-4111-8111-111111111111',
  modelName: 'gpt-4o-mini',
  providerId: '41111111-1111-4111-8111-111111111111',
  providerName: 'openai',
  vendorModelId: 'gpt-4o-mini-2024-07-18',
  endpoint: 'chat',
  streamed: false,
  status: 200,
  errorCode: null,
  incomplete: false,
  overheadMs: 0.25,
  upstreamMs: 12.5,
  ttftMs: null,
  inputTokens: 24,
  cachedInputTokens: 1,
  cacheWrite5mTokens: 2,
  cacheWrite1hTokens: 3,
  outputTokens: 20,
  reasoningTokens: 4,
  webSearchCalls: 0,
  usageSource: 'provider',
  rawUsage: { prompt_tokens: 24, completion_tokens: 20, note: 'quote " backslash \\ brace { comma , NULL' },
  priceId: null,
  providerPriceId: null,
  costUsd: '0.000015600001',
  routeName: null,
  routeVersion: null,
  arm: null,
  servedArm: null,
  fallback: false,
};
