/**
 * Request templates: how a CustomProvider row talks to a JSON API that is not OpenAI-compatible,
 * declaratively (no code execution, no eval). The row's `request_template` jsonb column:
 *
 * ```json
 * {
 *   "path": "/generate",
 *   "body": { "inputs": "{{prompt}}", "parameters": { "max_new_tokens": "{{max_tokens}}" } },
 *   "response": {
 *     "text": "output.text",
 *     "finish_reason": "output.stop_reason",
 *     "finish_reason_map": { "eos": "stop", "max_len": "length" },
 *     "input_tokens": "stats.in",
 *     "output_tokens": "stats.out",
 *     "id": "request_id"
 *   }
 * }
 * ```
 *
 * - `path` (optional, default `/chat/completions`): appended to `api_base_url`; no query string
 *   (put query params in `config.query`).
 * - `body` (required, any JSON): a string that is exactly `"{{name}}"` is replaced by the typed value
 *   (a number stays a number, `messages` stays an array) and its key (or array item) is dropped when
 *   the value is undefined; in any other string each `{{name}}` is interpolated as text (arrays and
 *   objects as JSON, undefined as empty).
 * - `response.text` (required): dot path to the generated text, e.g. `choices.0.text` (numeric
 *   segments index arrays). A response without a string there is a 502 naming the path.
 * - `response.finish_reason` + `finish_reason_map` (optional): the vendor's value is mapped through
 *   the map to `stop | length | tool_calls | content_filter`; values already in that vocabulary pass
 *   through; anything else is `stop`.
 * - `response.input_tokens`, `response.output_tokens`, `response.id` (optional): dot paths; missing
 *   counts are 0 and a missing id is generated. `response.cached_input_tokens` (part of the input
 *   read from a prompt cache) and `response.reasoning_tokens` (part of the output) refine the
 *   ledger's buckets. A response with neither count has no reported usage (the ledger estimates).
 *
 * Placeholders: `model` (the model's `model_id`), `messages` (OpenAI wire messages), `prompt`
 * (`System: …\nUser: …\nAssistant: …\nAssistant:`), `system` (system/developer text), `last_user_message`,
 * `max_tokens` (the request's limit, else the model row's `max_tokens`), `temperature`, `top_p`,
 * `stop` (array), `seed`, `user`. Penalties have no placeholder and are not sent.
 *
 * Unknown placeholders, bad paths or a missing `response.text` reject the row at create()
 * (`config_row_invalid`). Tools, tool results, images, JSON response formats and `n > 1` are
 * `unsupported_feature`. Streaming calls the API once and yields `stream-start`, one `text-delta`
 * with the whole text, then `finish`. Error responses are read like OpenAI's (`error.message`,
 * `error.code`, or a plain `message`/`detail`).
 *
 * @module
 */
import { z } from 'zod';
import type { FinishReason } from '../spec/index.js';
import { rowConfigError, rowConfigZodError } from '../openai/row-config-error.js';
import { compileJsonPath, jsonPathPattern, type JsonPath } from './json-path.js';

export const placeholderNames = [
  'model',
  'messages',
  'prompt',
  'system',
  'last_user_message',
  'max_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'user',
] as const;
export type PlaceholderName = (typeof placeholderNames)[number];

/** A body node, compiled once at create() so calls do no string scanning. */
export type TemplateNode =
  | { kind: 'literal'; value: unknown }
  | { kind: 'placeholder'; name: PlaceholderName }
  | { kind: 'text'; pieces: (string | { name: PlaceholderName })[] }
  | { kind: 'array'; items: TemplateNode[] }
  | { kind: 'object'; entries: [string, TemplateNode][] };

/** A validated template. */
export interface RequestTemplate {
  path: string;
  body: TemplateNode;
  response: {
    text: JsonPath;
    /** The dotted text path, for error messages. */
    textPath: string;
    finishReason?: JsonPath;
    finishReasonMap: Record<string, Exclude<FinishReason, 'error'>>;
    inputTokens?: JsonPath;
    outputTokens?: JsonPath;
    /** Part of `inputTokens` read from a prompt cache (like OpenAI's `cached_tokens`). */
    cachedInputTokens?: JsonPath;
    /** Part of `outputTokens` spent on reasoning (like OpenAI's `reasoning_tokens`). */
    reasoningTokens?: JsonPath;
    id?: JsonPath;
  };
}

const pathSchema = z.string().regex(jsonPathPattern, 'is not a dot path like "choices.0.text"');
const templateSchema = z.strictObject({
  path: z
    .string()
    .regex(/^\/?[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, 'must be a URL path without query or fragment')
    .optional(),
  body: z.json(),
  response: z.strictObject({
    text: pathSchema,
    finish_reason: pathSchema.optional(),
    finish_reason_map: z.record(z.string(), z.enum(['stop', 'length', 'tool_calls', 'content_filter'])).optional(),
    input_tokens: pathSchema.optional(),
    output_tokens: pathSchema.optional(),
    cached_input_tokens: pathSchema.optional(),
    reasoning_tokens: pathSchema.optional(),
    id: pathSchema.optional(),
  }),
});

const known = new Set<string>(placeholderNames);
/**
 * `{{ name }}`, the name trimmed after the match. Linear on any text: `\s*([^{}]*?)\s*` let the three
 * parts share each space, and a row holding `{{` and a few thousand spaces blocked the loader, and
 * every request with it, for seconds to minutes at each load and start. Exported for the test of
 * that structure.
 */
export const placeholderPattern = /\{\{([^{}]*)\}\}/g;

/** Validates and compiles a row's `request_template`; throws `config_row_invalid` with the reason. */
export function compileRequestTemplate(provider: string, raw: unknown): RequestTemplate {
  const parsed = templateSchema.safeParse(raw);
  if (!parsed.success) throw rowConfigZodError(provider, 'request_template', parsed.error);
  const { response } = parsed.data;
  if (response.finish_reason_map && !response.finish_reason) {
    throw rowConfigError(provider, 'request_template.response.finish_reason_map', 'needs response.finish_reason');
  }
  const optionalPath = (path: string | undefined) => (path === undefined ? undefined : compileJsonPath(path));
  return {
    path: parsed.data.path ?? '/chat/completions',
    // The validated input itself, not zod's copy: the copy loses keys such as `__proto__`.
    body: compileNode(provider, (raw as { body: unknown }).body, 'request_template.body'),
    response: {
      text: compileJsonPath(response.text),
      textPath: response.text,
      finishReason: optionalPath(response.finish_reason),
      finishReasonMap: response.finish_reason_map ?? {},
      inputTokens: optionalPath(response.input_tokens),
      outputTokens: optionalPath(response.output_tokens),
      cachedInputTokens: optionalPath(response.cached_input_tokens),
      reasoningTokens: optionalPath(response.reasoning_tokens),
      id: optionalPath(response.id),
    },
  };
}

function compileNode(provider: string, value: unknown, field: string): TemplateNode {
  if (typeof value === 'string') return compileString(provider, value, field);
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileNode(provider, item, `${field}.${index}`));
    return items.every((item) => item.kind === 'literal') ? { kind: 'literal', value } : { kind: 'array', items };
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, item]): [string, TemplateNode] => [key, compileNode(provider, item, `${field}.${key}`)]);
    return entries.every(([, item]) => item.kind === 'literal') ? { kind: 'literal', value } : { kind: 'object', entries };
  }
  return { kind: 'literal', value };
}

function compileString(provider: string, value: string, field: string): TemplateNode {
  const pieces: (string | { name: PlaceholderName })[] = [];
  let last = 0;
  for (const match of value.matchAll(placeholderPattern)) {
    const name = (match[1] ?? '').trim();
    if (!known.has(name)) {
      throw rowConfigError(provider, field, `unknown placeholder {{${name}}} (known: ${placeholderNames.join(', ')})`);
    }
    if (match.index > last) pieces.push(value.slice(last, match.index));
    pieces.push({ name: name as PlaceholderName });
    last = match.index + match[0].length;
  }
  if (pieces.length === 0) return { kind: 'literal', value };
  if (last < value.length) pieces.push(value.slice(last));
  const [only] = pieces;
  if (pieces.length === 1 && typeof only === 'object') return { kind: 'placeholder', name: only.name };
  return { kind: 'text', pieces };
}
