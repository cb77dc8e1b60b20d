import { SwitchboardError } from '../../errors.js';
import { explainUsage, type ExplainedAttempt, type UsageExplanation } from '../../usage/reports/usage-explain.js';
import { line, print, printJson, type CliContext } from '../cli-context.js';
import { formatTable } from '../format-table.js';
import { parseOptions } from '../parse-options.js';
import { directOrServer } from './server-admin.js';
import { withDb } from './with-db.js';

/** `switchboard usage explain <request-id>`. */
export async function runUsageExplain(args: string[], context: CliContext): Promise<number> {
  const { positionals } = parseOptions(args, {}, true);
  const requestId = positionals[0];
  if (!requestId || positionals.length > 1) throw new SwitchboardError('invalid_request', 'usage explain needs one request id (the x-request-id of a response)');
  const explanation = await directOrServer(
    context,
    () => withDb(context, (db) => explainUsage(db, requestId)),
    // Beside a running server: its admin API explains with the same function.
    (server) => server.call<UsageExplanation>('GET', `usage/requests/${encodeURIComponent(requestId)}`),
  );
  if (context.json) printJson(context, explanation);
  else print(context, renderExplanation(explanation));
  return 0;
}

/** The explanation as text: per attempt, its facts, price rows and the bucket arithmetic. */
export function renderExplanation(explanation: UsageExplanation): string {
  const parts = [line`Request ${explanation.request_id}: ${explanation.attempts.length} attempt(s), total cost ${explanation.total_cost_usd ?? 'unknown'} USD`];
  for (const attempt of explanation.attempts) parts.push('', ...attemptLines(attempt));
  if (explanation.recorded_as.length > 0) {
    parts.push('', 'Later requests sent the same id and were recorded under another (explain them by it):');
    for (const row of explanation.recorded_as) parts.push(line`  ${row.request_id} (project ${row.project ?? '-'}, ${row.attempts} attempt(s))`);
  }
  return parts.join('\n');
}

function attemptLines(attempt: ExplainedAttempt): string[] {
  const lines = [
    line`Attempt ${attempt.attempt}: ${attempt.started_at} .. ${attempt.ended_at} (${attempt.latency.duration_ms} ms; upstream ${attempt.latency.upstream_ms ?? '-'} ms, ttft ${attempt.latency.ttft_ms ?? '-'} ms)`,
    line`  project ${attempt.project ?? attempt.project_id ?? '-'}, key ${attempt.api_key_id ?? '-'}, ${attempt.endpoint}${attempt.streamed ? ' (streamed)' : ''}`,
    line`  model ${attempt.requested_model} -> ${attempt.model ?? '-'} on ${attempt.provider ?? '-'} (${attempt.vendor_model_id ?? '-'})`,
    line`  status ${attempt.status}${attempt.error_code ? ` ${attempt.error_code}` : ''}${attempt.incomplete ? ', incomplete stream' : ''}; usage from ${attempt.usage_source}`,
  ];
  for (const price of attempt.prices) {
    lines.push(line`  price row #${price.id} (${price.of}, effective ${price.effective_from}, ${price.source}): ${JSON.stringify(price.pricing)}`);
  }
  if (attempt.computed_cost_usd === null) {
    lines.push(line`  cost unknown: ${attempt.unpriced_reason ?? 'no price'} (${attempt.cost_usd === null ? 'recorded as null' : `but the row says ${attempt.cost_usd}`})`);
    return lines;
  }
  const tier = attempt.price_tier;
  if (tier !== null) {
    lines.push(line`  long-prompt tier: ${tier.prompt_tokens} input tokens > ${tier.above_input_tokens} (the ${tier.from} row's tiers): the whole call at the tier's prices`);
  }
  const rows = attempt.buckets.map((bucket) => ({
    bucket: bucket.bucket,
    tokens: bucket.bucket === 'per_request' ? '1 call' : bucket.bucket === 'web_search' ? `${bucket.tokens} searches` : bucket.tokens,
    'usd/mtok':
      bucket.bucket === 'per_request' ? `${bucket.price_per_mtok}/call` : bucket.bucket === 'web_search' ? `${bucket.price_per_mtok}/search` : bucket.price_per_mtok,
    from: bucket.price_from,
    cost_usd: bucket.cost_usd,
  }));
  lines.push(...formatTable(rows).split('\n').slice(0, -1).map((line) => `  ${line}`));
  const verdict = attempt.matches ? '= cost_usd in the ledger' : `!= cost_usd in the ledger (${attempt.cost_usd ?? 'null'})`;
  lines.push(line`  sum, rounded half up to 12 decimals: ${attempt.computed_cost_usd} ${verdict}`);
  return lines;
}
