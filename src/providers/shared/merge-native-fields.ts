import type { NativeFields, ProviderFamily } from '../spec/index.js';

/**
 * Merges a request's vendor-native fields into a wire body when they belong to `family`: fields
 * Switchboard already set are kept (a native field never overrides a converted one), the rest are
 * added unchanged. Fields of another family are ignored.
 */
export function mergeNativeFields<T extends object>(body: T, native: NativeFields | undefined, family: ProviderFamily): T {
  if (native === undefined || native.family !== family) return body;
  const target = body as Record<string, unknown>;
  for (const [field, value] of Object.entries(native.fields)) {
    if (value !== undefined && target[field] === undefined) target[field] = value;
  }
  return body;
}
