import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import type { Row } from '../types';

export interface FieldSpec {
  name: string;
  label: string;
  kind: 'text' | 'number' | 'json' | 'list' | 'select' | 'checkbox' | 'password';
  required?: boolean;
  options?: readonly string[];
  help?: string;
  /** Shown in the create form only (e.g. a name that cannot change). */
  createOnly?: boolean;
}

function toText(field: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field.kind === 'json') return JSON.stringify(value, null, 2);
  if (field.kind === 'list') return Array.isArray(value) ? value.join(', ') : String(value);
  return String(value);
}

function fromText(field: FieldSpec, text: string): unknown {
  const trimmed = text.trim();
  if (field.kind === 'number') return trimmed === '' ? null : Number(trimmed);
  if (field.kind === 'list') return trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim()).filter(Boolean);
  if (field.kind === 'json') {
    if (trimmed === '') return undefined;
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      throw new ApiError(400, `${field.label}: not valid JSON`, 'invalid_request', field.name);
    }
  }
  return trimmed === '' ? (field.required ? '' : null) : trimmed;
}

/**
 * A create or edit form over field specs. In edit mode only changed fields are sent (PATCH);
 * validation is the admin API's own (its 400 names the field, which is marked invalid here).
 */
export function RowForm({ id, fields, initial, submitLabel, onSubmit }: {
  id: string;
  fields: readonly FieldSpec[];
  initial?: Row;
  submitLabel: string;
  onSubmit: (values: Row) => Promise<void>;
}) {
  const editing = initial !== undefined;
  const visible = fields.filter((field) => !(editing && field.createOnly));
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(visible.map((field) => [field.name, field.kind === 'checkbox' ? String(initial?.[field.name] ?? true) : toText(field, initial?.[field.name])])),
  );
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const values: Row = {};
      for (const field of visible) {
        const text = texts[field.name] ?? '';
        const value = field.kind === 'checkbox' ? text === 'true' : fromText(field, text);
        if (value === undefined) continue;
        if (editing && JSON.stringify(value) === JSON.stringify(initial?.[field.name] ?? (field.kind === 'list' ? [] : null))) continue;
        if (!editing && (value === null || value === '')) continue;
        values[field.name] = value;
      }
      await onSubmit(values);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="row-form" onSubmit={(event) => void submit(event)} aria-label={submitLabel}>
      {visible.map((field) => {
        const inputId = `${id}-${field.name}`;
        const invalid = error?.param === field.name || error?.param?.startsWith(`${field.name}.`);
        const set = (value: string): void => setTexts((current) => ({ ...current, [field.name]: value }));
        const common = {
          id: inputId,
          name: field.name,
          'aria-invalid': invalid ? true : undefined,
          'aria-describedby': field.help ? `${inputId}-help` : undefined,
        };
        return (
          <div class={`field field-${field.kind}`} key={field.name}>
            {field.kind === 'checkbox' ? (
              <label>
                <input type="checkbox" {...common} checked={texts[field.name] === 'true'} onChange={(event) => set(String((event.target as HTMLInputElement).checked))} />{' '}
                {field.label}
              </label>
            ) : (
              <>
                <label for={inputId}>
                  {field.label}
                  {field.required && !editing ? ' (required)' : ''}
                </label>
                {field.kind === 'json' ? (
                  <textarea {...common} rows={4} spellcheck={false} value={texts[field.name]} onInput={(event) => set((event.target as HTMLTextAreaElement).value)} />
                ) : field.kind === 'select' ? (
                  <select {...common} value={texts[field.name]} required={field.required} onChange={(event) => set((event.target as HTMLSelectElement).value)}>
                    <option value="">Choose…</option>
                    {(field.options ?? []).map((option) => (
                      <option key={option} value={option}>
                        {option}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...common}
                    type={(field.kind === 'number' ? 'number' : field.kind === 'password' ? 'password' : 'text') as 'text'}
                    autoComplete="off"
                    required={field.required && !editing}
                    value={texts[field.name]}
                    onInput={(event) => set((event.target as HTMLInputElement).value)}
                  />
                )}
              </>
            )}
            {field.help ? (
              <small id={`${inputId}-help`} class="muted">
                {field.help}
              </small>
            ) : null}
          </div>
        );
      })}
      {error ? (
        <p class="notice error" role="alert">
          {error.message}
          {error.param ? ` (field: ${error.param})` : ''}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
