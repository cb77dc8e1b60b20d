import { ApiError, get } from '../api';
import { formatMs, formatTime, formatUsd, json } from '../format';
import { useData } from '../use-data';
import { ErrorNotice, Loading } from './notice';

interface Bucket {
  bucket: string;
  tokens: number;
  price_per_mtok: string;
  price_from: string;
  cost_usd: string;
}

interface Attempt {
  attempt: number;
  started_at: string;
  project: string | null;
  requested_model: string;
  model: string | null;
  provider: string | null;
  vendor_model_id: string | null;
  endpoint: string;
  streamed: boolean;
  status: number;
  error_code: string | null;
  usage_source: string;
  latency: { duration_ms: number; overhead_ms: number; upstream_ms: number | null; ttft_ms: number | null };
  raw_usage: unknown;
  buckets: Bucket[];
  price_tier: { above_input_tokens: number; from: string; prompt_tokens: number } | null;
  unpriced_reason: string | null;
  computed_cost_usd: string | null;
  cost_usd: string | null;
  matches: boolean;
}

interface Explanation {
  request_id: string;
  attempts: Attempt[];
  total_cost_usd: string | null;
}

/**
 * `.` and `..` are URL dot segments: `usage/requests/..` would resolve to `usage/`, another route
 * (encoding does not help: `%2e` is a dot segment too). The gateway takes neither as a client's
 * request id; a row recorded under one earlier, or by a library caller, is explained by the CLI.
 */
const isDotSegment = (id: string): boolean => id === '.' || id === '..';

/** The ledger rows of one request and the `usage explain` arithmetic: tokens × price / 10^6 = cost. */
export function ExplainView({ requestId }: { requestId: string }) {
  if (isDotSegment(requestId)) {
    return (
      <p class="notice" role="status">
        Request <code>{requestId}</code> cannot be looked up over HTTP (the id is a URL dot segment): run <code>switchboard usage explain '{requestId}'</code>.
      </p>
    );
  }
  return <Explained requestId={requestId} />;
}

function Explained({ requestId }: { requestId: string }) {
  const explanation = useData(`explain:${requestId}`, async () => {
    const answer = await get<Explanation>(`/usage/requests/${encodeURIComponent(requestId)}`);
    // Only this request's explanation is shown, never what another route answered.
    if (answer.request_id !== requestId || !Array.isArray(answer.attempts)) throw new ApiError(0, `The gateway did not answer with the detail of request ${requestId}.`);
    return answer;
  });
  return (
    <>
      <Loading when={explanation.loading && !explanation.data} />
      <ErrorNotice error={explanation.error} />
      {explanation.data ? (
        <>
          <p>
            Request <code>{explanation.data.request_id}</code>: total <strong>{formatUsd(explanation.data.total_cost_usd)}</strong> over{' '}
            {explanation.data.attempts.length} attempt(s).
          </p>
          {explanation.data.attempts.map((attempt) => (
            <section key={attempt.attempt} class="attempt" aria-label={`Attempt ${attempt.attempt}`}>
              <h3>
                Attempt {attempt.attempt}: {attempt.status} {attempt.error_code ?? ''}
              </h3>
              <dl class="facts">
                <dt>Started</dt>
                <dd>{formatTime(attempt.started_at)}</dd>
                <dt>Project</dt>
                <dd>{attempt.project ?? '—'}</dd>
                <dt>Model</dt>
                <dd>
                  {attempt.requested_model} → {attempt.model ?? '—'} on {attempt.provider ?? '—'} ({attempt.vendor_model_id ?? '—'})
                </dd>
                <dt>Endpoint</dt>
                <dd>
                  {attempt.endpoint} {attempt.streamed ? '(streamed)' : ''}
                </dd>
                <dt>Latency</dt>
                <dd>
                  {formatMs(attempt.latency.duration_ms)} total, {formatMs(attempt.latency.overhead_ms)} gateway, {formatMs(attempt.latency.upstream_ms)} upstream
                  {attempt.latency.ttft_ms !== null ? `, first token ${formatMs(attempt.latency.ttft_ms)}` : ''}
                </dd>
                <dt>Usage source</dt>
                <dd>{attempt.usage_source}</dd>
                {attempt.price_tier ? (
                  <>
                    <dt>Price tier</dt>
                    <dd>{`${attempt.price_tier.prompt_tokens.toLocaleString('en-US')} input tokens > ${attempt.price_tier.above_input_tokens.toLocaleString('en-US')} (the ${attempt.price_tier.from} row's tiers): the whole call at the tier's prices`}</dd>
                  </>
                ) : null}
              </dl>
              {attempt.buckets.length > 0 ? (
                <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
                  <table class="arithmetic">
                    <caption>Cost arithmetic</caption>
                    <thead>
                      <tr>
                        <th scope="col">Bucket</th>
                        <th scope="col">Tokens</th>
                        <th scope="col">× USD / M tokens</th>
                        <th scope="col">= USD</th>
                        <th scope="col">Price from</th>
                      </tr>
                    </thead>
                    <tbody>
                      {attempt.buckets.map((bucket) => (
                        <tr key={bucket.bucket}>
                          <th scope="row">{bucket.bucket}</th>
                          <td>{bucket.tokens.toLocaleString('en-US')}</td>
                          <td>{bucket.price_per_mtok}</td>
                          <td>{bucket.cost_usd}</td>
                          <td>{formatTime(bucket.price_from)}</td>
                        </tr>
                      ))}
                    </tbody>
                    <tfoot>
                      <tr>
                        <th scope="row">Sum</th>
                        <td colSpan={2} />
                        <td>{attempt.computed_cost_usd ?? '—'}</td>
                        <td>{attempt.matches ? 'matches the ledger' : `ledger says ${attempt.cost_usd ?? '—'}`}</td>
                      </tr>
                    </tfoot>
                  </table>
                </div>
              ) : (
                <p class="muted">Unpriced{attempt.unpriced_reason ? `: ${attempt.unpriced_reason}` : ''}.</p>
              )}
              <details>
                <summary>Raw usage from the vendor</summary>
                <pre>{json(attempt.raw_usage)}</pre>
              </details>
            </section>
          ))}
        </>
      ) : null}
    </>
  );
}
