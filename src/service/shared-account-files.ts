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

/** The field path of the first stored-file reference in a native body, or undefined. */
export function storedFileReference(api: NativeApi, body: Record<string, unknown>): string | undefined {
  const list = api === 'openai-responses' ? 'input' : 'messages';
  const items = body[list];
  if (!Array.isArray(items)) return undefined;
  for (const [i, item] of items.entries()) {
    if (!isRecord(item)) continue;
    // Message parts (`content`), and a Responses tool result's parts (`output`).
    for (const field of ['content', 'output']) {
      const parts = item[field];
      if (!Array.isArray(parts)) continue;
      for (const [j, part] of parts.entries()) {
        const path = `${list}[${i}].${field}[${j}]`;
        const own = partReference(part);
        if (own !== undefined) return path + own;
        // An Anthropic tool_result's blocks.
        const nested = isRecord(part) ? part['content'] : undefined;
        if (!Array.isArray(nested)) continue;
        for (const [k, block] of nested.entries()) {
          const inner = partReference(block);
          if (inner !== undefined) return `${path}.content[${k}]${inner}`;
        }
      }
    }
  }
  return undefined;
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

function partReference(part: unknown): string | undefined {
  if (!isRecord(part)) return undefined;
  if (present(part['file_id'])) return '.file_id';
  const source = part['source'];
  if (isRecord(source) && present(source['file_id'])) return '.source.file_id';
  return undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
