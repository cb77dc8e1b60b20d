import { z } from 'zod';
import { SwitchboardError } from '../../errors.js';
import { headerValueSchema } from '../shared/header-fields.js';
import { parseTimeouts, type Timeouts } from '../shared/timeouts.js';
import { anthropicVersions, type AnthropicVersion } from './anthropic-api.js';

/** The AnthropicProvider options from an `ai_providers.config` row. */
export interface AnthropicConfig {
  /** The `anthropic-version` header: `2023-06-01` (default) or `2026-10-21`. */
  version: AnthropicVersion;
  /** Beta flags joined for the `anthropic-beta` header, or undefined for none. */
  beta: string | undefined;
  timeouts: Timeouts;
}

const configSchema = z.looseObject({
  anthropic_version: z.enum(anthropicVersions).optional(),
  // A list is the documented form; one comma-separated string is accepted too. Sent as a header.
  anthropic_beta: z.union([z.array(headerValueSchema.min(1)), headerValueSchema]).optional(),
});

/** Validates the row's config; any problem is a `config_row_invalid` error naming the row. */
export function parseAnthropicConfig(provider: string, config: Record<string, unknown>): AnthropicConfig {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || 'config';
    const hint = path === 'anthropic_version' ? ` (expected one of ${anthropicVersions.join(', ')})` : '';
    throw new SwitchboardError('config_row_invalid', `Provider '${provider}': invalid config.${path}${hint}`, {
      cause: parsed.error,
    });
  }
  let timeouts: Timeouts;
  try {
    timeouts = parseTimeouts(config);
  } catch (error) {
    throw new SwitchboardError('config_row_invalid', `Provider '${provider}': invalid config.timeouts`, { cause: error });
  }
  const beta = parsed.data.anthropic_beta;
  const betaList = typeof beta === 'string' ? beta.split(',') : (beta ?? []);
  const betaHeader = betaList
    .map((flag) => flag.trim())
    .filter((flag) => flag !== '')
    .join(',');
  return {
    version: parsed.data.anthropic_version ?? '2023-06-01',
    beta: betaHeader === '' ? undefined : betaHeader,
    timeouts,
  };
}
