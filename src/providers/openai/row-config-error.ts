import type { z } from 'zod';
import { SwitchboardError } from '../../errors.js';

/**
 * The `config_row_invalid` error for a bad jsonb column of a provider row, naming the field at
 * fault (e.g. `config.query.api-version`) so the loader's log line says what to fix.
 */
export function rowConfigError(provider: string, field: string, reason: string): SwitchboardError {
  return new SwitchboardError('config_row_invalid', `Provider '${provider}' has an invalid ${field}: ${reason}`, {
    param: field,
  });
}

/** `rowConfigError` for the first issue of a zod error under `column`. */
export function rowConfigZodError(provider: string, column: string, error: z.ZodError): SwitchboardError {
  const issue = error.issues[0];
  const path = issue?.path.map(String) ?? [];
  // A bad record key reports "Invalid key in record"; the reason is in the nested issue.
  const reason = issue?.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue?.message;
  return rowConfigError(provider, [column, ...path].join('.'), reason ?? 'invalid value');
}
