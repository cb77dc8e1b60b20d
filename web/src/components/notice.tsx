import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api';

export function ErrorNotice({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <p class="notice error" role="alert">
      {error.message}
      {error.param ? ` (field: ${error.param})` : ''}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="muted" aria-live="polite">Loading…</p> : null;
}

/** The shell of a page whose admin routes this server does not have (a 404 from the API). */
export function Unavailable({ what }: { what: string }) {
  return (
    <p class="notice" role="status">
      {what} is not available on this server (its admin API answered 404). It appears here once the gateway has it.
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card" aria-label={title}>
      <div class="card-head">
        <h2>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
