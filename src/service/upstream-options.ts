import type { Config } from '../config.js';
import type { ProviderDepsOptions } from '../providers/shared/provider-deps.js';

/** The upstream connection limit and answer caps from the settings (SWITCHBOARD_UPSTREAM_*). */
export function upstreamOptions(config: Config): ProviderDepsOptions {
  return {
    maxConnections: config.upstreamMaxConnections,
    limits: { maxResponseBytes: config.upstreamMaxResponseBytes, maxEventBytes: config.upstreamMaxEventBytes },
  };
}
