import { formatMs, formatNumber, formatPercent, formatUsd } from '../format';
import { sampleRatioVerdict } from '../sample-ratio';
import type { ArmComparison, ArmFigures } from '../types';

const perRequest = (value: number | null, digits = 0): string => (value === null ? '—' : value.toFixed(digits));

function ArmTable({ caption, arms, assigned }: { caption: string; arms: ArmFigures[]; assigned: boolean }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table data-testid={assigned ? 'arms-assigned' : 'arms-served'}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Arm</th>
            <th scope="col">{assigned ? 'Requests' : 'Answers'}</th>
            {assigned ? <th scope="col">Share expected / observed</th> : null}
            <th scope="col">Success</th>
            {assigned ? <th scope="col">Fallback</th> : null}
            <th scope="col">Incomplete streams</th>
            <th scope="col">Latency p50 / p95</th>
            <th scope="col">TTFT p50</th>
            <th scope="col">Tokens in / out per request</th>
            <th scope="col">Cost per request</th>
          </tr>
        </thead>
        <tbody>
          {arms.map((arm) => (
            <tr key={arm.arm} data-arm={arm.arm} data-requests={arm.requests}>
              <th scope="row">{arm.arm}</th>
              <td>{formatNumber(arm.requests)}</td>
              {assigned ? (
                <td>
                  {formatPercent(arm.expected_share)} / {formatPercent(arm.observed_share)}
                </td>
              ) : null}
              <td>{formatPercent(arm.success_rate)}</td>
              {assigned ? <td>{formatPercent(arm.fallback_rate)}</td> : null}
              <td>{formatNumber(arm.incomplete)}</td>
              <td>
                {formatMs(arm.latency_p50_ms)} / {formatMs(arm.latency_p95_ms)}
              </td>
              <td>{formatMs(arm.ttft_p50_ms)}</td>
              <td>
                {perRequest(arm.input_tokens_per_request)} / {perRequest(arm.output_tokens_per_request)}
              </td>
              <td>{formatUsd(arm.cost_per_request_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The per-arm comparison of a route (rollups only): by arm assigned, by target served, and the sample-ratio check. */
export function ArmComparisonView({ comparison }: { comparison: ArmComparison }) {
  const verdict = sampleRatioVerdict(comparison.sample_ratio);
  return (
    <>
      <p class={`notice ${comparison.sample_ratio?.mismatch ? 'error' : comparison.sample_ratio ? 'success' : ''}`} data-testid="sample-ratio" role="status">
        Sample-ratio check: {verdict}
      </p>
      {comparison.by_arm_assigned.length === 0 ? <p class="muted">No request through this route in the window.</p> : null}
      <ArmTable caption="By arm assigned (what the experiment randomized)" arms={comparison.by_arm_assigned} assigned />
      <ArmTable caption="By target served (the arm that answered)" arms={comparison.by_arm_served} assigned={false} />
    </>
  );
}
