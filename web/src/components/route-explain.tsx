import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { formatPercent, formatTime } from '../format';
import type { RouteExplanation } from '../types';
import { ErrorNotice } from './notice';

const number = (value: number | null, digits: number): string => (value === null ? '—' : value.toFixed(digits));

/**
 * Asks the gateway which target a sticky key gets on a route now and why (no upstream is called).
 * The key is sent as both `key` and `user`, so the route's own sticky-key source decides.
 */
export function RouteExplain({ route, project }: { route: string; project: string | null }) {
  const [key, setKey] = useState('');
  const [result, setResult] = useState<RouteExplanation | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const explain = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = key.trim() === '' ? {} : { key: key.trim(), user: key.trim() };
      setResult(await api<RouteExplanation>('POST', `/routes/${encodeURIComponent(route)}/explain`, body, { project }));
    } catch (failure) {
      setResult(undefined);
      setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form class="inline-form" aria-label={`Explain ${route}`} onSubmit={(event) => void explain(event)}>
        <label for="explain-key">Sticky key</label>
        <input id="explain-key" value={key} autoComplete="off" placeholder="user-42 (empty: no key)" onInput={(event) => setKey((event.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>
          Explain
        </button>
      </form>
      <ErrorNotice error={error} />
      {result ? (
        <div aria-live="polite">
          <p data-testid="explain-pick" data-model={result.pick?.model ?? ''}>
            {result.pick ? (
              <>
                Key <code>{result.sticky_key}</code> gets <strong>{result.pick.model}</strong> (arm {result.pick.arm}, tier {result.pick.tier}).
              </>
            ) : (
              <>No single pick: {result.sticky_key === null ? 'without a sticky key each request is drawn by weight' : 'no target can serve now'}.</>
            )}
          </p>
          <p class="muted">
            Why: {result.reason}. Try order: {result.order.join(' → ') || '—'} (route version {result.version}).
          </p>
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Explained targets">
            <table>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Arm</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Weight</th>
                  <th scope="col">Share</th>
                  <th scope="col">Health</th>
                  <th scope="col">Hash u</th>
                  <th scope="col">Score −ln(u)/w</th>
                </tr>
              </thead>
              <tbody>
                {result.targets.map((target) => (
                  <tr key={target.model} class={target.excluded ? 'dead' : undefined}>
                    <th scope="row">{target.model}</th>
                    <td>{target.arm}</td>
                    <td>{target.tier}</td>
                    <td>{target.weight}</td>
                    <td>{formatPercent(target.share)}</td>
                    <td class="wrap">
                      {target.excluded ?? `breaker ${target.breaker.replace('_', '-')}${target.open_until ? ` until ${formatTime(target.open_until)}` : ''}`}
                      {target.credential_blocked ? ', credential blocked' : ''}
                    </td>
                    <td>{number(target.sticky_hash, 4)}</td>
                    <td>{number(target.sticky_score, 4)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </>
  );
}
