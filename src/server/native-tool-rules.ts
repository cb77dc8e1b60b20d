/**
 * Tool types on the native paths (`/v1/messages` to Anthropic, `/v1/responses` to OpenAI): the
 * client's own tools (`function`, `custom`, Anthropic tools without a `type`) always pass; a vendor
 * tool follows the row's rule for its type (`"tools.<type>"`, `"tools.<family>"` such as
 * `tools.web_search` for `web_search_20250305`, or `"tools.*"`), else the default below.
 *
 * Defaults: a tool the vendor runs itself and charges per use or that calls other servers (web
 * search and fetch, code execution, code interpreter, file search, image generation, computer use,
 * the advisor, MCP, and any tool carrying a `model` or a `server_url`) is refused (400 naming
 * `tools[i].type`), except OpenAI's `web_search*` and `image_generation` on `/v1/responses`, which
 * are dropped from the list: Codex offers them on every request, and the request stays valid
 * without them. Every other tool type (`bash_*`, `text_editor_*`, `memory_*`, tool search,
 * `local_shell`, `apply_patch`, …) passes.
 *
 * @module
 */
import type { NativeFieldRule } from '../registry/row-schemas.js';
import type { ModelEntry } from '../registry/provider-registry.js';
import { isObject, unsupported, type JsonObject } from './field-checks.js';
import { namespacedRule, notEnabled, refusedByRow } from './native-rules.js';

/** Which native API the body is for (its tool paths and defaults differ). */
export type NativeToolApi = 'anthropic-messages' | 'openai-responses';

/** Type families the vendor runs itself, charged per use or calling out (prefixes). */
const VENDOR_RUN = ['web_search', 'web_fetch', 'code_execution', 'code_interpreter', 'file_search', 'image_generation', 'computer', 'advisor', 'mcp'];

/** A tool type without its date suffix: `web_search_20250305` → `web_search`, `web_search_preview_2025_03_11` → `web_search_preview`. */
export function toolFamily(type: string): string {
  return type.replace(/_(?:\d{8}|\d{4}_\d{2}_\d{2})$/, '');
}

/** The body with the row's tool rules applied (a copy when a tool is dropped); throws 400 for a refused tool. */
export function ruledTools(body: JsonObject, model: ModelEntry, api: NativeToolApi): JsonObject {
  const tools = body['tools'];
  if (!Array.isArray(tools)) return body;
  let kept: unknown[] | undefined;
  const dropped: { path: string; type: string; name: unknown }[] = [];
  for (let index = 0; index < tools.length; index++) {
    const tool: unknown = tools[index];
    const type = isObject(tool) ? tool['type'] : undefined;
    // The client's own tools, and anything malformed (the vendor judges it).
    if (!isObject(tool) || typeof type !== 'string' || type === 'function' || type === 'custom') {
      kept?.push(tool);
      continue;
    }
    const path = api === 'anthropic-messages' ? `tools.${index}.type` : `tools[${index}].type`;
    const family = toolFamily(type);
    const explicit = namespacedRule(model, 'tools', type, family);
    const rule = explicit ?? defaultRule(tool, family, api);
    if (rule === 'pass') {
      kept?.push(tool);
      continue;
    }
    const what = `${path} '${type.length > 64 ? `${type.slice(0, 64)}…` : type}'`;
    if (rule === 'refuse') {
      if (explicit === 'refuse') throw refusedByRow(path, what, model);
      throw notEnabled(path, what, model, 'the vendor runs this tool itself, charged per use or calling other servers', `tools.${family}`);
    }
    kept ??= tools.slice(0, index);
    dropped.push({ path, type, name: tool['name'] });
  }
  if (kept === undefined) return body;
  refuseForcedDropped(body['tool_choice'], dropped, kept.length, model);
  return { ...body, tools: kept };
}

function defaultRule(tool: JsonObject, family: string, api: NativeToolApi): NativeFieldRule {
  const callsOut = present(tool['server_url']) || present(tool['model']);
  if (!callsOut && !VENDOR_RUN.some((prefix) => family.startsWith(prefix))) return 'pass';
  // Offered on every Codex request; dropping it keeps the request valid (the model just cannot search).
  if (!callsOut && api === 'openai-responses' && (family.startsWith('web_search') || family === 'image_generation')) return 'drop';
  return 'refuse';
}

/** A tool choice that forces a dropped tool (by name or type), or any tool when none is left: refused. */
function refuseForcedDropped(choice: unknown, dropped: readonly { path: string; type: string; name: unknown }[], left: number, model: ModelEntry): void {
  const first = dropped[0];
  if (first === undefined) return;
  let forced: { path: string; type: string } | undefined;
  if (isObject(choice)) {
    const type = choice['type'];
    const name = choice['name'];
    forced =
      type === 'tool' ? dropped.find((tool) => tool.name === name) : (type === 'any' && left === 0 ? first : dropped.find((tool) => tool.type === type));
  } else if (choice === 'required' && left === 0) {
    forced = first;
  }
  if (forced !== undefined) {
    throw unsupported(forced.path, `'${forced.type}' is not sent to the model '${model.name}' (dropped by default or by its native_fields rules), but tool_choice requires it`);
  }
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}
