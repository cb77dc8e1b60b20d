/**
 * Which `anthropic-beta` flags of the client reach Anthropic on `/v1/messages` (and its
 * count_tokens): an allow-list of flag families for features the gateway serves and prices
 * (thinking, tool streaming, context editing, prompt caching, effort, tool search, structured
 * outputs, Claude Code's own flags), so Claude Code and the SDKs keep working. Any other flag is
 * dropped, not refused: `context-1m` (long-context pricing), `fast-mode`, `mcp-client`,
 * `files-api`, `code-execution`, `web-fetch`, `skills`, `compact`, `advisor-tool`, `oauth` and flags
 * newer than this list. A row rule passes or refuses a flag: `"anthropic-beta.<flag>"`,
 * `"anthropic-beta.<family>"` (the flag without its date, e.g. `context-1m`) or `"anthropic-beta.*"`.
 * The row's own `config.anthropic_beta` is added by the provider after this filter.
 *
 * @module
 */
import type { ModelEntry } from '../registry/provider-registry.js';
import { namespacedRule, refusedByRow } from './native-rules.js';

/** Flag families forwarded without a row rule. */
const ALLOWED_FAMILIES: ReadonlySet<string> = new Set([
  'claude-code',
  'interleaved-thinking',
  'adaptive-thinking',
  'redact-thinking',
  'thinking-display-updates',
  'thinking-binding-controls',
  'effort',
  'fine-grained-tool-streaming',
  'token-efficient-tools',
  'advanced-tool-use',
  'tool-search-tool',
  'tool-examples',
  'context-management',
  'prompt-caching',
  'prompt-caching-scope',
  'extended-cache-ttl',
  'structured-outputs',
  'output-128k',
  'per-turn-control',
  'mid-conversation-output-config',
  'mid-conversation-tool-changes',
  'mid-conversation-system',
  'token-counting',
  'pdfs',
]);

/** At most this many flags are looked at (a header is a few dozen at most). */
const MAX_FLAGS = 64;

/** A flag without its date: `context-1m-2025-08-07` → `context-1m`, `claude-code-20250219` → `claude-code`. */
export function betaFamily(flag: string): string {
  return flag.replace(/-(?:\d{4}-\d{2}-\d{2}|\d{8})$/, '');
}

/**
 * The client's `anthropic-beta` header value (or values) reduced to the flags `model`'s row lets
 * through, joined with commas; undefined when none is left. Throws 400 naming `anthropic-beta` for
 * a flag the row refuses.
 */
export function allowedBetas(header: string | readonly string[] | undefined, model: ModelEntry): string | undefined {
  if (header === undefined) return undefined;
  const flags = (typeof header === 'string' ? header : header.join(',')).split(',', MAX_FLAGS + 1).slice(0, MAX_FLAGS);
  const kept: string[] = [];
  for (const raw of flags) {
    const flag = raw.trim();
    if (flag === '' || kept.includes(flag)) continue;
    const family = betaFamily(flag);
    const rule = namespacedRule(model, 'anthropic-beta', flag, family) ?? (ALLOWED_FAMILIES.has(family) ? 'pass' : 'drop');
    if (rule === 'refuse') throw refusedByRow('anthropic-beta', `The anthropic-beta flag '${flag.length > 64 ? `${flag.slice(0, 64)}…` : flag}'`, model);
    if (rule === 'pass') kept.push(flag);
  }
  return kept.length === 0 ? undefined : kept.join(',');
}
