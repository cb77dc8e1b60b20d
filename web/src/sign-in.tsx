import { useState } from 'preact/hooks';
import { ApiError, setToken, verifyToken } from './api';

export function SignIn() {
  const [token, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await verifyToken(token.trim());
      setToken(token.trim());
    } catch (failure) {
      const status = failure instanceof ApiError ? failure.status : 0;
      setError(
        status === 401
          ? 'That admin token is not valid for this gateway. Check SWITCHBOARD_ADMIN_TOKEN (or the token file `switchboard serve` printed).'
          : status === 403
            ? 'The admin API is disabled on this gateway: start it with SWITCHBOARD_ADMIN_TOKEN set.'
            : failure instanceof Error
              ? failure.message
              : 'Sign-in failed.',
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <h1>Switchboard dashboard</h1>
      <form onSubmit={(event) => void submit(event)} class="card">
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onInput={(event) => setValue((event.target as HTMLInputElement).value)}
          aria-describedby={error ? 'token-error' : 'token-help'}
          aria-invalid={error ? true : undefined}
        />
        <p id="token-help" class="muted">
          Kept in this tab's session storage only and sent as an <code>Authorization: Bearer</code> header.
        </p>
        {error ? (
          <p id="token-error" class="notice error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
