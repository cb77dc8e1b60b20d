/**
 * What a tenant names its end users and its prompt cache by, on a vendor account other projects
 * share. The vendor tracks abuse per end-user id (OpenAI `user` and `safety_identifier`, Anthropic
 * `metadata.user_id`) and routes its prompt cache by `prompt_cache_key`; on one account every
 * tenant writes into the same namespace. So when the call's credential is not the project's own
 * (the env-var fallback), each of these goes upstream as the project's pseudonym of the value
 * (src/crypto/scoped-id.ts): stable per project and value, never another project's. On the
 * project's own credential, and without a project (library calls), they pass unchanged.
 *
 * The service applies this to every upstream body it builds (chat and streams translated to any
 * vendor, embeddings, the native APIs), after the credential of the attempt is known.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { scopedId } from '../crypto/scoped-id.js';
import type { ChatRequest, Credential, EmbedRequest, NativeApi, ProviderFamily } from '../providers/spec/index.js';

/** The key and the project a call's identifiers are scoped to. */
export interface IdScope {
  key: KeyObject;
  projectId: string;
}

/** The call's scope, or undefined when its identifiers pass unchanged (its project's own key, or no project). */
export function idScopeOf(key: KeyObject, projectId: string | undefined, credential: Credential): IdScope | undefined {
  return projectId === undefined || credential.projectOwned === true ? undefined : { key, projectId };
}

/** The top-level fields of each family's wire body that name an end user or a cache key. */
const OPENAI_FIELDS = ['user', 'safety_identifier', 'prompt_cache_key'] as const;

/** A normalized chat request with `user` and its native fields scoped (the same object when nothing is). */
export function scopeChatRequest(request: ChatRequest, scope: IdScope): ChatRequest {
  let scoped = request;
  if (request.user !== undefined && request.user !== '') scoped = { ...scoped, user: pseudonym(request.user, scope) };
  const native = request.native;
  if (native !== undefined) {
    const fields = scopeWireFields(native.family, native.fields, scope);
    if (fields !== native.fields) scoped = { ...scoped, native: { family: native.family, fields } };
  }
  return scoped;
}

export function scopeEmbedRequest(request: EmbedRequest, scope: IdScope): EmbedRequest {
  return request.user === undefined || request.user === '' ? request : { ...request, user: pseudonym(request.user, scope) };
}

/** A native API body with its identifiers scoped (the same object when it has none). */
export function scopeNativeBody(api: NativeApi, body: Record<string, unknown>, scope: IdScope): Record<string, unknown> {
  return scopeWireFields(api === 'openai-responses' ? 'openai' : 'anthropic', body, scope);
}

/** `fields` (a wire body or native fields of `family`) with their identifiers scoped; a copy only when one is present. */
function scopeWireFields(family: ProviderFamily, fields: Record<string, unknown>, scope: IdScope): Record<string, unknown> {
  if (family === 'openai') {
    let scoped = fields;
    for (const field of OPENAI_FIELDS) {
      const value = fields[field];
      if (!present(value)) continue;
      if (scoped === fields) scoped = { ...fields };
      scoped[field] = pseudonym(value, scope);
    }
    return scoped;
  }
  if (family === 'anthropic') {
    const metadata = fields['metadata'];
    if (!isRecord(metadata) || !present(metadata['user_id'])) return fields;
    return { ...fields, metadata: { ...metadata, user_id: pseudonym(metadata['user_id'], scope) } };
  }
  return fields;
}

/** Absent, null and '' name no one (the vendor reads them as no id): left as sent. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** A value of another type than string is scoped as its JSON text: nothing unscoped reaches the vendor. */
function pseudonym(value: unknown, scope: IdScope): string {
  return scopedId(scope.key, scope.projectId, typeof value === 'string' ? value : JSON.stringify(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
