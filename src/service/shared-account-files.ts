/**
 * Files stored on a vendor account other projects share. A native body can name one by id (OpenAI's
 * `input_file` and `input_image` with `file_id`, Anthropic's `source: {type: "file", file_id}` in an
 * image or document block, also inside a `tool_result`); on the env-var fallback that id is looked
 * up in the operator's account, among files the operator, or another tenant through its own tools,
 * stored there. Like stored prompts and vector stores, such a call is refused before any upstream
 * call; on the project's own key the id is its own business and passes.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';
import type { NativeApi } from '../providers/spec/index.js';

/**
 * The field path of the first stored-file reference in a native body, or undefined: any object
 * under its `input` (Responses) or `messages` (Messages) with a `file_id`, however deep (message
 * parts, tool results and their blocks, a screenshot object, a document's content source). The
 * body's depth is capped before it is parsed (json-structure.ts).
 */
export function storedFileReference(api: NativeApi, body: Record<string, unknown>): string | undefined {
  const list = api === 'openai-responses' ? 'input' : 'messages';
  const items = body[list];
  if (!Array.isArray(items)) return undefined;
  const found = fileIdIn(items);
  return found === undefined ? undefined : list + found;
}

/** Throws 400 `unsupported_feature` naming the first stored-file reference of `body`, if any. */
export function refuseStoredFiles(api: NativeApi, body: Record<string, unknown>): void {
  const param = storedFileReference(api, body);
  if (param === undefined) return;
  throw new SwitchboardError(
    'unsupported_feature',
    `${param} names a file stored on the provider account this project shares with others; send the file's content instead (file_data, a data: URL or a base64 source), or store this project's own API key for the provider.`,
    { param },
  );
}

/** The path below `value` of the first object with a `file_id` (built only once one is found). */
function fileIdIn(value: object): string | undefined {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (typeof item !== 'object' || item === null) continue;
      const found = fileIdIn(item);
      if (found !== undefined) return `[${index}]${found}`;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  if (present(record['file_id'])) return '.file_id';
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (typeof child !== 'object' || child === null) continue;
    const found = fileIdIn(child);
    if (found !== undefined) return `.${key}${found}`;
  }
  return undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
