/**
 * The native-fields rule, shared by every surface: a field of the client's API that Switchboard
 * does not interpret reaches the serving vendor when it speaks the same family; otherwise it is
 * refused (400 naming it) when dropping it would change the answer, and dropped when not. A model
 * row overrides the rule per field (`features.native_fields`, over the provider row's
 * `config.native_fields`): `pass` sends it anyway, `drop` ignores it, `refuse` answers 400.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';
import type { NativeFields, ProviderFamily } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';

/** Where the fields came from and who serves them. */
export interface NativeFieldsContext {
  /** The family of the client's API (`openai` for chat completions and responses, `anthropic` for messages). */
  from: ProviderFamily;
  /** The serving provider's family, or undefined (templated rows). */
  servingFamily: ProviderFamily | undefined;
  model: ModelEntry;
  /** True when dropping `field` (with this value) would change what the answer means. */
  changesAnswer: (field: string, value: unknown) => boolean;
}

/**
 * Applies the rule to `fields` (wire name → value, as the client sent them). Returns what the
 * serving provider should merge into its body, or undefined for nothing. Throws
 * `unsupported_feature` naming the first refused field.
 */
export function routeNativeFields(fields: Record<string, unknown>, context: NativeFieldsContext): NativeFields | undefined {
  const { servingFamily, model } = context;
  const passed: Record<string, unknown> = {};
  let count = 0;
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    // Own keys only: a body field named `constructor` is not a rule.
    const rowRule = Object.hasOwn(model.nativeFields, field) ? model.nativeFields[field] : undefined;
    const rule = rowRule ?? (servingFamily === context.from ? 'pass' : context.changesAnswer(field, value) ? 'refuse' : 'drop');
    if (rule === 'refuse') {
      // The reason the client reads: the row's own rule, or a provider of another API family.
      throw new SwitchboardError(
        'unsupported_feature',
        rowRule === undefined
          ? `${field} is not supported by the model '${model.name}' (its provider does not understand it)`
          : `${field} is not allowed for the model '${model.name}' (refused by its native_fields rules)`,
        { param: field },
      );
    }
    if (rule === 'pass' && servingFamily !== undefined) {
      passed[field] = value;
      count++;
    }
  }
  return count > 0 && servingFamily !== undefined ? { family: servingFamily, fields: passed } : undefined;
}
