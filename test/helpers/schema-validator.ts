/**
 * Validates JSON the gateway sends against a vendor's published schema, vendored as a component
 * file (see scripts/vendor-openai-schemas.mjs): `{ source, roots, transformations, schema: { $id,
 * $defs } }`, where `$defs` holds the vendor's components in JSON Schema 2020-12 form. The same
 * helper serves any vendored file (OpenAI today; Anthropic Messages or OpenAI Responses later).
 *
 * Documented exceptions are derived components (`from` a vendored one, with some sub-schemas
 * replaced), so each deviation from the vendor's schema is named, explained and used on purpose.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/** JSON Schema, as stored in a vendored component file. */
type Schema = boolean | { [keyword: string]: unknown };

/** The envelope every vendored component file has. */
export interface VendoredComponents {
  source: { repository: string; commit: string; path: string };
  roots: string[];
  transformations: string[];
  schema: { $schema: string; $id: string; $defs: Record<string, Schema> };
}

/** A deliberate deviation from the vendor's schema, with the reason (listed in the docs). */
export interface SchemaException {
  /** The derived component's name, used with `validateAgainst`. */
  name: string;
  /** The vendored component it starts from. */
  from: string;
  /** JSON Pointer inside `from` → the sub-schema that replaces what is there. */
  replace: Record<string, Schema>;
  reason: string;
}

export interface ValidatorOptions {
  /**
   * Closed objects: every object schema that lists `properties` and says nothing about others gets
   * `additionalProperties: false`, so a field the vendor's schema does not name fails too. The
   * vendor's own schemas are open (clients ignore unknown fields); tests close them to catch drift.
   */
  closed?: boolean;
  exceptions?: readonly SchemaException[];
}

export interface SchemaValidator {
  source: VendoredComponents['source'];
  /** Asserts `value` conforms to component `name` (vendored or an exception's), listing every violation. */
  validateAgainst(name: string, value: unknown): void;
  /** The violations (`<instance path> <message>`), empty when `value` conforms. */
  violations(name: string, value: unknown): string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A copy of `schema` with `additionalProperties: false` on every object schema that lists
 * properties. An `allOf` composition (OpenAI's `Response` = `ModelResponseProperties` +
 * `ResponseProperties` + its own) is closed as a whole with `unevaluatedProperties: false`, and its
 * members stay open at their top level (`open`), else each member would reject the others' fields.
 */
function closeObjects(schema: unknown, open = false): unknown {
  if (Array.isArray(schema)) return schema.map((member) => closeObjects(member));
  if (!isObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    // enum/const/default hold data, not schemas.
    if (keyword === 'enum' || keyword === 'const' || keyword === 'default') out[keyword] = value;
    else if (keyword === 'allOf' && Array.isArray(value)) out[keyword] = value.map((member) => closeObjects(member, true));
    else out[keyword] = closeObjects(value);
  }
  if ('additionalProperties' in schema || 'unevaluatedProperties' in schema || open) return out;
  if (Array.isArray(schema['allOf'])) out['unevaluatedProperties'] = false;
  else if (isObject(schema['properties'])) out['additionalProperties'] = false;
  return out;
}

/** The components that are members of an `allOf` somewhere (left open at their top level). */
function allOfMembers(defs: Record<string, Schema>): Set<string> {
  const members = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!isObject(value)) return;
    const allOf = value['allOf'];
    if (Array.isArray(allOf)) {
      for (const member of allOf) {
        const ref = isObject(member) ? member['$ref'] : undefined;
        if (typeof ref === 'string' && ref.startsWith('#/$defs/')) members.add(decodeURIComponent(ref.slice('#/$defs/'.length)));
      }
    }
    Object.values(value).forEach(walk);
  };
  walk(defs);
  return members;
}

/** Every component closed (see `closeObjects`); `allOf` members stay open at their top level. */
function closeComponents(defs: Record<string, Schema>): Record<string, Schema> {
  const members = allOfMembers(defs);
  return Object.fromEntries(Object.entries(defs).map(([name, schema]) => [name, closeObjects(schema, members.has(name)) as Schema]));
}

/** `schema` with the sub-schema at each JSON Pointer replaced. */
function replaceAt(schema: Schema, replacements: Record<string, Schema>): Schema {
  const copy = structuredClone(schema);
  for (const [pointer, replacement] of Object.entries(replacements)) {
    const steps = pointer.split('/').slice(1).map((step) => step.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = steps.pop();
    let parent: unknown = copy;
    for (const step of steps) parent = isObject(parent) ? parent[step] : undefined;
    assert.ok(last !== undefined && isObject(parent) && last in parent, `exception pointer ${pointer} is not in the schema`);
    parent[last] = replacement;
  }
  return copy;
}

/**
 * OpenAPI's formats beyond JSON Schema's, plus the two standard ones the vendored components use
 * (written here rather than pulling in ajv-formats for two checks).
 */
function addFormats(ajv: Ajv2020): void {
  ajv.addFormat('unixtime', { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= 0 });
  ajv.addFormat('float', { type: 'number', validate: (value: number) => Number.isFinite(value) });
  ajv.addFormat('uri', { type: 'string', validate: (value: string) => URL.canParse(value) });
  ajv.addFormat('date', { type: 'string', validate: (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) });
}

/** Reads a vendored component file and returns a validator for its components. */
export async function loadSchemaValidator(file: URL, options: ValidatorOptions = {}): Promise<SchemaValidator> {
  const vendored = JSON.parse(await readFile(file, 'utf8')) as VendoredComponents;
  const defs: Record<string, Schema> = { ...vendored.schema.$defs };
  for (const exception of options.exceptions ?? []) {
    const base = defs[exception.from];
    assert.ok(base !== undefined, `exception ${exception.name}: no component ${exception.from}`);
    assert.ok(!(exception.name in defs), `exception ${exception.name} would shadow a vendored component`);
    defs[exception.name] = replaceAt(base, exception.replace);
  }
  const root = { ...vendored.schema, $defs: options.closed ? closeComponents(defs) : defs };
  // Strict: an unknown keyword or format in the vendored file is an error, not silently ignored.
  // strictTypes is off because vendors publish schemas it rejects that are still valid JSON Schema
  // (OpenAI's `Model` has `required` without `type: object`); the schemas are used as published.
  // strictRequired is off for the same reason: `Response` is an allOf whose last member requires
  // fields (`model`, `tools`…) that the other members define.
  const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(root);
  const compiled = new Map<string, ValidateFunction>();

  const violations = (name: string, value: unknown): string[] => {
    assert.ok(name in defs, `no component ${name} in ${vendored.source.repository}@${vendored.source.commit}`);
    let validate = compiled.get(name);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: `${root.$id}#/$defs/${encodeURIComponent(name)}` });
      compiled.set(name, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`);
  };

  return {
    source: vendored.source,
    violations,
    validateAgainst(name, value) {
      const found = violations(name, value);
      assert.deepEqual(found, [], `${name} does not conform to ${vendored.source.repository}@${vendored.source.commit.slice(0, 12)}:\n${JSON.stringify(value)}`);
    },
  };
}
