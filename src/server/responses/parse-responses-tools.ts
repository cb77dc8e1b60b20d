/**
 * The Responses API's `tools`, `tool_choice` and `text.format` → normalized tool definitions, tool
 * choice and response format. Only function tools exist off the native path: a built-in tool
 * (`file_search`, `computer_use_preview`, `mcp`, …) is refused with 400 naming it, except the two
 * the Codex CLI may offer on every request, `web_search*` and `image_generation`, which are left out
 * (as the native path drops them without a row rule; forcing one with `tool_choice` is refused).
 *
 * @module
 */
import type { ResponseFormat, ToolChoice, ToolDefinition } from '../../providers/spec/index.js';
import { invalid, isObject, optionalBoolean, optionalString, requiredString, unsupported } from '../field-checks.js';
import { parseFormatObject } from '../parse-format-object.js';

/** `tools` → definitions (undefined when absent or empty). */
export function parseResponsesTools(value: unknown): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('tools', 'must be an array of tools');
  if (value.length === 0) return undefined;
  const tools: ToolDefinition[] = [];
  for (let index = 0; index < value.length; index++) {
    const path = `tools[${index}]`;
    const tool: unknown = value[index];
    if (!isObject(tool)) throw invalid(path, "must be an object {type: 'function', name, parameters}");
    const type = tool['type'];
    if (typeof type === 'string' && leftOut(type)) continue;
    if (type !== 'function') {
      if (typeof type === 'string') throw unsupported(`${path}.type`, `'${type}' tools are not supported by this gateway; use 'function' tools`);
      throw invalid(`${path}.type`, "must be 'function'");
    }
    const definition: ToolDefinition = { name: requiredString(tool, 'name', `${path}.name`) };
    const description = optionalString(tool, 'description', `${path}.description`);
    if (description !== undefined) definition.description = description;
    const parameters = tool['parameters'];
    if (parameters !== undefined && parameters !== null) {
      if (!isObject(parameters)) throw invalid(`${path}.parameters`, 'must be a JSON Schema object');
      definition.parameters = parameters;
    }
    const strict = optionalBoolean(tool, 'strict', `${path}.strict`);
    if (strict !== undefined) definition.strict = strict;
    tools.push(definition);
  }
  return tools.length === 0 ? undefined : tools;
}

/** Hosted tools a client offers by default (Codex), left out rather than refused. */
function leftOut(type: string): boolean {
  return type.startsWith('web_search') || type === 'image_generation';
}

/** `tool_choice` → normalized choice (undefined when absent). */
export function parseResponsesToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isObject(value)) {
    const type = value['type'];
    if (type === 'function') return { name: requiredString(value, 'name', 'tool_choice.name') };
    if (typeof type === 'string') throw unsupported('tool_choice.type', `'${type}' is not supported by this gateway; use 'function'`);
  }
  throw invalid('tool_choice', "must be 'auto', 'none', 'required' or {type: 'function', name}");
}

/** `text.format` → normalized response format (undefined when absent). */
export function parseResponsesTextFormat(text: unknown): ResponseFormat | undefined {
  if (text === undefined || text === null) return undefined;
  if (!isObject(text)) throw invalid('text', 'must be an object');
  const format = text['format'];
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) throw invalid('text.format', 'must be an object with a type');
  return parseFormatObject(format, 'text.format', undefined);
}
