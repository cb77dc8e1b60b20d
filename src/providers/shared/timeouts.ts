import { z } from 'zod';
import { SwitchboardError } from '../../errors.js';

/** Upstream time limits, from a provider row's `config.timeouts` (milliseconds). */
export interface Timeouts {
  /** Until the response head arrives (the first byte). */
  firstByteMs: number;
  /** Longest silence allowed between two body chunks (a stalled stream). */
  idleMs: number;
}

export const defaultTimeouts: Timeouts = { firstByteMs: 120_000, idleMs: 60_000 };

const timeoutsSchema = z
  .object({
    first_byte_ms: z.number().int().positive().optional(),
    idle_ms: z.number().int().positive().optional(),
  })
  .optional();

/** Reads `config.timeouts`; throws a zod error on bad values (the caller turns it into a row error). */
export function parseTimeouts(config: Record<string, unknown>): Timeouts {
  const parsed = timeoutsSchema.parse(config['timeouts']);
  return {
    firstByteMs: parsed?.first_byte_ms ?? defaultTimeouts.firstByteMs,
    idleMs: parsed?.idle_ms ?? defaultTimeouts.idleMs,
  };
}

/** The row's timeouts, or a `config_row_invalid` error naming the provider (the row is disabled). */
export function rowTimeouts(settings: { name: string; config: Record<string, unknown> }): Timeouts {
  try {
    return parseTimeouts(settings.config);
  } catch (error) {
    throw new SwitchboardError('config_row_invalid', `Provider '${settings.name}': config.timeouts is invalid`, { cause: error });
  }
}
