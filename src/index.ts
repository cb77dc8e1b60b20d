/**
 * The public surface of the `switchboard` package: the library entry point, the normalized types,
 * the errors, and what a user provider class (SWITCHBOARD_PROVIDERS_DIR) needs.
 *
 * @module
 */
export { createSwitchboard, type Switchboard, type SwitchboardOptions } from './service/switchboard.js';
export type { CallContext, PublicChatRequest, PublicEmbedRequest, Route } from './service/ai-service.js';
export type { CancelController, CancelSignal } from './cancel.js';
export type { ModelEntry, ProviderEntry } from './registry/provider-registry.js';
export type * from './providers/spec/index.js';
export type { ProviderClass, ProviderClassDefaults, ProviderSettings } from './providers/provider-class.js';
export type { ProviderDeps } from './providers/shared/provider-deps.js';
export { DatabaseError, ProviderError, SwitchboardError, type ErrorCode } from './errors.js';
export { openDb } from './db/open-db.js';
export type { Db, Queryable } from './db/db.js';
// What the documented library options need (package.json exports only "."): the tracing observer
// (docs/tracing.md), a keyring, a credential resolver.
export { loadTracing } from './tracing/load-tracing.js';
export { tracingSettings } from './tracing/tracing-settings.js';
export type { Tracing } from './tracing/tracing.js';
export { loadKeyring, type Keyring } from './crypto/keyring.js';
export type { CredentialResolver } from './credentials/credential-resolver.js';
export type { TraceParent, UsageObserver } from './usage/usage-observer.js';
