/**
 * State a vendor keeps under an id, on a vendor account other projects share. Anthropic holds a
 * conversation under a message id (`thread`), a code-execution container and its files under a
 * container id (`container`), and compares a new prompt with an earlier request's
 * (`diagnostics.previous_message_id`); OpenAI's Responses API continues a stored response
 * (`previous_response_id`, `conversation`), reuses a code-interpreter container
 * (`tools[].container`) and reads the account's files and vector stores by id (a code interpreter's
 * `container.file_ids`, file_search's `vector_store_ids`). On the env-var key one id namespace serves every tenant, so whoever learns
 * an id could continue or read what another tenant left there. Like files by id
 * (shared-account-files.ts), such a call is refused before any upstream call; on the project's own
 * key the ids are its own business and pass.
 *
 * @module
 */
import { SwitchboardError } from '../errors.js';
import type { ProviderFamily } from '../providers/spec/index.js';

const WHY = 'the provider account this project shares with others keeps it under an id any of them could name';

/**
 * Throws 400 `unsupported_feature` naming the first field of `body` (a native body, or the native
 * fields of a translated request, of `family`'s API) that names state kept by the vendor, if any.
 */
export function refuseSharedState(family: ProviderFamily, body: Record<string, unknown>): void {
  const param = family === 'anthropic' ? messagesState(body) : family === 'openai' ? responsesState(body) : undefined;
  if (param === undefined) return;
  // `thread` keeps its own wording: with `unsupported_feature` on `thread`, the Messages error carries
  // the details on which the Anthropic SDK's tool runner goes on without a thread (anthropic-error.ts).
  const what = param === 'thread' ? 'thread (a conversation the vendor keeps)' : param;
  throw new SwitchboardError(
    'unsupported_feature',
    `${what} is refused on this key: ${WHY}. Send the whole conversation (or a new container) instead, or store this project's own API key for the provider.`,
    { param },
  );
}

function messagesState(body: Record<string, unknown>): string | undefined {
  if (present(body['thread'])) return 'thread';
  const container = body['container'];
  if (typeof container === 'string' ? container !== '' : isRecord(container) && present(container['id'])) {
    return typeof container === 'string' ? 'container' : 'container.id';
  }
  const diagnostics = body['diagnostics'];
  if (isRecord(diagnostics) && present(diagnostics['previous_message_id'])) return 'diagnostics.previous_message_id';
  return undefined;
}

function responsesState(body: Record<string, unknown>): string | undefined {
  if (present(body['previous_response_id'])) return 'previous_response_id';
  if (present(body['conversation'])) return 'conversation';
  const tools = body['tools'];
  if (!Array.isArray(tools)) return undefined;
  for (let index = 0; index < tools.length; index++) {
    const tool: unknown = tools[index];
    if (!isRecord(tool)) continue;
    const container = tool['container'];
    if (typeof container === 'string' && container !== '') return `tools[${index}].container`;
    // Files and vector stores the account keeps, named by id: a code interpreter's files, file_search's stores.
    if (isRecord(container) && nonEmptyList(container['file_ids'])) return `tools[${index}].container.file_ids`;
    if (nonEmptyList(tool['vector_store_ids'])) return `tools[${index}].vector_store_ids`;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
