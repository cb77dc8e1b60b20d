// Regenerates test/conformance/openai-openapi-components.json: the component schemas of OpenAI's
// published OpenAPI document that the gateway's answers must conform to, and everything they
// $ref, converted from OpenAPI 3.1 (with 3.0 leftovers) to plain JSON Schema 2020-12.
//
// Usage (from the repo root, with a clone of https://github.com/openai/openai-openapi):
//   node scripts/vendor-openai-schemas.mjs --git-dir <clone>/.git [--commit <sha>]
//   node scripts/vendor-openai-schemas.mjs --file openapi.json --commit <sha>
// Without --commit, --git-dir re-reads the commit pinned in the current vendored file, so running
// it twice gives the same bytes. See docs/notes/conform.md for what is converted and why.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const OUTPUT = path.join('test', 'conformance', 'openai-openapi-components.json');
const REPOSITORY = 'https://github.com/openai/openai-openapi';
const SPEC_PATH = 'openapi.json';
/** The answers Switchboard sends on /v1/chat/completions, /v1/embeddings, /v1/models, /v1/responses and errors. */
const ROOTS = [
  'CreateChatCompletionResponse',
  'CreateChatCompletionStreamResponse',
  'CreateEmbeddingResponse',
  'ListModelsResponse',
  'Model',
  'ErrorResponse',
  'Response',
  'ResponseStreamEvent',
];
const TRANSFORMATIONS = [
  "'$ref: #/components/schemas/X' becomes '$ref: #/$defs/X' (the components sit under $defs).",
  "'nullable: true' (an OpenAPI 3.0 keyword JSON Schema ignores) becomes 'anyOf: [<the schema without nullable>, {type: null}]'; 'nullable: false' is dropped.",
  "'discriminator' is dropped: an OpenAPI hint for code generators; the 'oneOf' beside it alone decides what is valid.",
  "'example' and every 'x-*' extension keyword are dropped: OpenAPI annotations, not JSON Schema keywords.",
  "'$recursiveAnchor: true' (draft 2019-09, unknown to 2020-12) is dropped and '$recursiveRef: #' becomes '$ref: #/$defs/<the component it sits in>' (CompoundFilter's filters nest CompoundFilters).",
  "Nothing else changes: types, enums, required lists, formats ('unixtime', 'float', 'uri', 'date') and descriptions are kept as published.",
];

/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Keywords whose value is one schema. */
const SCHEMA_ONE = new Set([
  'items', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'not', 'if', 'then', 'else', 'contains', 'propertyNames',
]);

function componentName(ref) {
  const prefix = '#/components/schemas/';
  if (typeof ref !== 'string' || !ref.startsWith(prefix)) throw new Error(`unsupported $ref ${JSON.stringify(ref)}`);
  return ref.slice(prefix.length);
}

/**
 * One schema in JSON Schema 2020-12 form; `refs` collects the component names it references and
 * `self` is the component it belongs to (the target of a draft 2019-09 `$recursiveRef: '#'`).
 */
function convert(schema, refs, self) {
  if (typeof schema === 'boolean') return schema;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error(`not a schema: ${JSON.stringify(schema)}`);
  const out = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'nullable' || keyword === 'discriminator' || keyword === 'example' || keyword.startsWith('x-')) continue;
    if (keyword === '$recursiveAnchor') continue;
    if (keyword === '$recursiveRef') {
      if (value !== '#') throw new Error(`unsupported $recursiveRef ${JSON.stringify(value)}`);
      out.$ref = `#/$defs/${self}`;
    } else if (keyword === '$ref') {
      const name = componentName(value);
      refs.add(name);
      out.$ref = `#/$defs/${name}`;
    } else if (SCHEMA_MAPS.has(keyword)) {
      out[keyword] = Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, convert(inner, refs, self)]));
    } else if (SCHEMA_LISTS.has(keyword)) {
      out[keyword] = value.map((inner) => convert(inner, refs, self));
    } else if (SCHEMA_ONE.has(keyword)) {
      out[keyword] = convert(value, refs, self);
    } else {
      out[keyword] = value;
    }
  }
  if (schema.nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

/** The named components and their transitive $refs, converted, in name order. */
function extract(document) {
  const all = document.components?.schemas ?? {};
  const defs = {};
  const pending = [...ROOTS];
  while (pending.length > 0) {
    const name = pending.pop();
    if (name in defs) continue;
    if (!(name in all)) throw new Error(`component ${name} is not in the document`);
    const refs = new Set();
    defs[name] = convert(all[name], refs, name);
    pending.push(...refs);
  }
  return Object.fromEntries(Object.keys(defs).sort().map((name) => [name, defs[name]]));
}

function pinnedCommit() {
  try {
    return JSON.parse(readFileSync(OUTPUT, 'utf8')).source.commit;
  } catch {
    return undefined;
  }
}

const { values } = parseArgs({ options: { 'git-dir': { type: 'string' }, file: { type: 'string' }, commit: { type: 'string' } } });
const commit = values.commit ?? pinnedCommit();
if (!/^[0-9a-f]{40}$/.test(commit ?? '')) throw new Error('give --commit <40-hex sha> (no vendored file to take it from)');
let text;
if (values['git-dir']) text = execFileSync('git', ['--git-dir', values['git-dir'], 'show', `${commit}:${SPEC_PATH}`], { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
else if (values.file) text = readFileSync(values.file, 'utf8');
else throw new Error('give --git-dir <clone of openai/openai-openapi> or --file <its openapi.json>');

const document = JSON.parse(text);
const vendored = {
  source: { repository: REPOSITORY, commit, path: SPEC_PATH, openapi: document.openapi, info_version: document.info?.version },
  generated_by: 'scripts/vendor-openai-schemas.mjs',
  roots: ROOTS,
  transformations: TRANSFORMATIONS,
  schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `urn:switchboard:vendored:openai-openapi:${commit}`, $defs: extract(document) },
};
writeFileSync(OUTPUT, `${JSON.stringify(vendored, null, 2)}\n`);
console.log(`wrote ${OUTPUT}: ${Object.keys(vendored.schema.$defs).length} components from ${REPOSITORY} @ ${commit} (${SPEC_PATH})`);
