/**
 * Secure defaults on top of the native-fields rule (`service/native-fields.ts`, the one rule
 * engine). A vendor-native field reaches a vendor of the client's own API family unchanged unless a
 * row rule says otherwise; a few such fields would make the vendor charge prices the ledger does not
 * know, call other servers, reach state kept in the operator's vendor account, or keep the
 * conversation there. When the model row has no rule for such a field, it is refused (400 naming it)
 * or dropped here before the engine runs; `"<field>": "pass"` in `native_fields` sends it.
 *
 * The same defaults hold on every surface: chat completions, `/v1/responses` and `/v1/messages`,
 * on the normalized and the native paths.
 *
 * @module
 */
import type { NativeFields, ProviderFamily } from '../providers/spec/index.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { routeNativeFields, type NativeFieldsContext } from '../service/native-fields.js';
import { notEnabled, ruleOf } from './native-rules.js';

/** What happens to a guarded field without a row rule: dropped always, or refused when `refused(value)`. */
type FieldDefault = { rule: 'drop' } | { rule: 'refuse'; refused: (value: unknown) => boolean; why: string };

const present = (value: unknown): boolean => value !== undefined && value !== null;
const otherThan =
  (...allowed: string[]) =>
  (value: unknown): boolean =>
    present(value) && !(typeof value === 'string' && allowed.includes(value));

/** Guarded Anthropic Messages fields. */
const anthropicDefaults: Readonly<Record<string, FieldDefault>> = {
  speed: { rule: 'refuse', refused: otherThan('standard'), why: 'fast mode is priced above the standard rate, which the ledger does not know' },
  service_tier: { rule: 'refuse', refused: otherThan('auto', 'standard_only'), why: 'other service tiers have their own prices, which the ledger does not know' },
  inference_geo: { rule: 'refuse', refused: otherThan('global'), why: 'inference pinned to a region is priced above global inference, which the ledger does not know' },
  mcp_servers: { rule: 'refuse', refused: (value) => present(value) && !(Array.isArray(value) && value.length === 0), why: 'the vendor would connect to the listed MCP servers' },
  container: { rule: 'refuse', refused: present, why: "it reuses a code-execution container kept in the gateway's vendor account" },
};

/** Guarded OpenAI fields (chat completions and the Responses API). */
const openaiDefaults: Readonly<Record<string, FieldDefault>> = {
  service_tier: { rule: 'refuse', refused: otherThan('auto', 'default'), why: 'the flex, priority and scale tiers have their own prices, which the ledger does not know' },
  // OpenAI's own default is false: completions are not kept in the gateway's OpenAI project.
  store: { rule: 'drop' },
  // Only used with stored completions.
  metadata: { rule: 'drop' },
  web_search_options: { rule: 'refuse', refused: present, why: 'the vendor would search the web, charged per search, which the ledger does not price' },
  prompt: { rule: 'refuse', refused: present, why: "it names a prompt template stored in the gateway's vendor project" },
};

const defaultsByFamily: Partial<Record<ProviderFamily, Readonly<Record<string, FieldDefault>>>> = {
  anthropic: anthropicDefaults,
  openai: openaiDefaults,
};

/**
 * The native-fields rule with the secure defaults: `fields` minus the guarded fields dropped by
 * default, through `routeNativeFields`. Throws 400 `unsupported_feature` naming a guarded field the
 * row does not pass (before any upstream call). The defaults only replace the same-family `pass`:
 * for another family the engine drops or refuses such fields anyway.
 */
export function routeGuardedFields(fields: Record<string, unknown>, context: NativeFieldsContext): NativeFields | undefined {
  return routeNativeFields(guardedFields(fields, context), context);
}

/** `fields` with the secure defaults applied (a copy when something is dropped). */
export function guardedFields(fields: Record<string, unknown>, context: NativeFieldsContext): Record<string, unknown> {
  const defaults = context.servingFamily === context.from ? defaultsByFamily[context.from] : undefined;
  if (defaults === undefined) return fields;
  let kept = fields;
  for (const field in fields) {
    if (!Object.hasOwn(defaults, field) || ruleOf(context.model, field) !== undefined) continue;
    const guard = defaults[field];
    if (guard === undefined) continue;
    if (guard.rule === 'drop') {
      if (kept === fields) kept = { ...fields };
      delete kept[field];
    } else if (guard.refused(fields[field])) {
      const value = fields[field];
      const what = typeof value === 'string' ? `${field} '${value.length > 32 ? `${value.slice(0, 32)}…` : value}'` : field;
      throw notEnabled(field, what, context.model, guard.why, field);
    }
  }
  return kept;
}

/**
 * The rule for the top-level fields of a body served on the vendor's own API (`family`'s): every
 * field in `fields` (the ones the gateway does not interpret) that the rules do not pass is removed
 * from `body` (a copy); a refused one throws. `model` is the serving row.
 */
export function ruledTopLevel(body: Record<string, unknown>, fields: Record<string, unknown>, model: ModelEntry, family: ProviderFamily): Record<string, unknown> {
  const passed = routeGuardedFields(fields, { from: family, servingFamily: family, model, changesAnswer: () => false });
  let ruled = body;
  for (const field in fields) {
    if (fields[field] === undefined || (passed !== undefined && Object.hasOwn(passed.fields, field))) continue;
    if (ruled === body) ruled = { ...body };
    delete ruled[field];
  }
  return ruled;
}
