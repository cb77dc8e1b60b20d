import { z } from 'zod';
import type { ProviderSettings } from '../provider-class.js';
import { headerMapSchema } from '../shared/header-fields.js';
import { parseTimeouts, type Timeouts } from '../shared/timeouts.js';
import type { MaxTokensField } from './convert-to-openai-request.js';
import { isMistralBaseUrl } from './mistral-tool-call-id.js';
import { rowConfigZodError } from './row-config-error.js';

const configSchema = z.looseObject({
  // Checked once here: undici would otherwise reject a bad header on every call.
  headers: headerMapSchema.optional(),
  query: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).optional(),
  max_tokens_field: z.enum(['max_completion_tokens', 'max_tokens']).optional(),
  tool_call_ids: z.enum(['mistral', 'unchanged']).optional(),
});

/** The row config an OpenAI-compatible provider understands (`ai_providers.config`). */
export interface OpenAICompatibleConfig {
  /** Static extra headers for every call, names lowercased. */
  headers: Record<string, string>;
  /** `?a=b&…` appended to every URL, or ''. */
  querySuffix: string;
  maxTokensField: MaxTokensField;
  timeouts: Timeouts;
  /** `mistral`: tool call ids go as nine letters or digits (see mistralToolCallId). */
  toolCallIds: ToolCallIds;
}

export type ToolCallIds = 'mistral' | 'unchanged';

/**
 * Validates the row's `config`: `headers`, `query` (e.g. `{"api-version": "2024-10-21"}`),
 * `max_tokens_field` (else `defaultMaxTokensField`), `timeouts` and `tool_call_ids` (`mistral` by
 * default for a base URL on `mistral.ai`, else `unchanged`). Other keys are left to other layers. Throws
 * `config_row_invalid` naming the field.
 */
export function parseOpenAICompatibleConfig(
  settings: ProviderSettings,
  defaultMaxTokensField: MaxTokensField = 'max_completion_tokens',
): OpenAICompatibleConfig {
  const parsed = configSchema.safeParse(settings.config);
  if (!parsed.success) throw rowConfigZodError(settings.name, 'config', parsed.error);
  let timeouts: Timeouts;
  try {
    timeouts = parseTimeouts(settings.config);
  } catch (error) {
    if (error instanceof z.ZodError) throw rowConfigZodError(settings.name, 'config.timeouts', error);
    throw error;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.data.headers ?? {})) headers[name.toLowerCase()] = value;
  const query = Object.entries(parsed.data.query ?? {}).map(([name, value]): [string, string] => [name, String(value)]);
  return {
    headers,
    querySuffix: query.length > 0 ? `?${new URLSearchParams(query).toString()}` : '',
    maxTokensField: parsed.data.max_tokens_field ?? defaultMaxTokensField,
    timeouts,
    toolCallIds: parsed.data.tool_call_ids ?? (isMistralBaseUrl(settings.baseUrl) ? 'mistral' : 'unchanged'),
  };
}
