/**
 * Lifts the credential blocks of a provider whose row was edited, when the edit reaches this
 * instance's snapshot: the operator fixed what the row names (`required_env_vars`, the URL, the
 * auth header). The database deletes the shared block rows in the same transaction as the edit,
 * so an instance started later does not pick them up. A provider's registry entry is kept while
 * its row (`updated_at`) is unchanged, so an edit is a new entry. Runs on a reload, never per request.
 *
 * @module
 */
import type { ConfigWatcher } from '../registry/config-watcher.js';
import type { ProviderEntry, ProviderRegistry } from '../registry/provider-registry.js';
import type { CredentialBlocks } from './credential-blocks.js';

export function liftBlocksOnProviderEdits(watcher: ConfigWatcher, blocks: CredentialBlocks): void {
  let served = watcher.snapshot.registry;
  watcher.onChange((snapshot) => {
    const previous = served;
    served = snapshot.registry;
    if (previous === served) return;
    const before = byId(previous);
    const after = byId(served);
    blocks.liftProviders((providerId) => before.get(providerId) !== after.get(providerId));
  });
}

function byId(registry: ProviderRegistry): Map<string, ProviderEntry> {
  return new Map([...registry.providers.values()].map((entry) => [entry.id, entry]));
}
