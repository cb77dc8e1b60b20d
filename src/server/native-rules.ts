/**
 * Reading a model row's `native_fields` rules (`features.native_fields` over the provider row's
 * `config.native_fields`) beyond top-level field names: the same JSON also holds rules for vendor
 * tool types (`"tools.web_search": "pass"`) and `anthropic-beta` flags
 * (`"anthropic-beta.context-1m": "pass"`). A key names the exact value, its family (the value
 * without its date suffix), or `*` for every value; the most specific key wins.
 *
 * @module
 */
import type { ModelEntry } from '../registry/provider-registry.js';
import type { NativeFieldRule } from '../registry/row-schemas.js';
import { SwitchboardError } from '../errors.js';

/** The row's rule under `key`, or undefined (own keys only: a body field named `constructor` is not a rule). */
export function ruleOf(model: ModelEntry, key: string): NativeFieldRule | undefined {
  return Object.hasOwn(model.nativeFields, key) ? model.nativeFields[key] : undefined;
}

/** The row's rule for `value` under `prefix` (exact value, then its family, then `*`). */
export function namespacedRule(model: ModelEntry, prefix: string, value: string, family: string): NativeFieldRule | undefined {
  return ruleOf(model, `${prefix}.${value}`) ?? (family === value ? undefined : ruleOf(model, `${prefix}.${family}`)) ?? ruleOf(model, `${prefix}.*`);
}

/**
 * 400 `unsupported_feature` for something the row does not allow by default: `what` (a field, a
 * tool type, a beta flag) at `param`, why it is off, and the `native_fields` key that allows it.
 */
export function notEnabled(param: string, what: string, model: ModelEntry, why: string, key: string): SwitchboardError {
  return new SwitchboardError(
    'unsupported_feature',
    `${what} is not enabled for the model '${model.name}': ${why}. An operator can allow it with native_fields {"${key}": "pass"} on the model or provider row.`,
    { param },
  );
}

/** 400 `unsupported_feature` for something a row rule says `refuse` to. */
export function refusedByRow(param: string, what: string, model: ModelEntry): SwitchboardError {
  return new SwitchboardError('unsupported_feature', `${what} is not allowed for the model '${model.name}' (refused by its native_fields rules).`, { param });
}
