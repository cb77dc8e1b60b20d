/**
 * `/v1/responses` for a model whose provider speaks OpenAI's Responses API itself (OpenAI rows,
 * and Custom rows with `native_apis: ["openai-responses"]`): the client's body goes to the vendor's
 * own `/responses` unchanged (apart from `model`, `store: false`, since Switchboard is stateless,
 * Gemini's thought signatures out of `call_id`s, reasoning items of other vendors left out, for a reasoning model, `include: ["reasoning.encrypted_content"]`: see `upstreamBody`, and, when
 * a budget or a token limit applies and the body sets no `max_output_tokens`, the bound its
 * reservation assumed: service/output-cap.ts), and
 * its answer comes back unchanged apart from `model`, which names the public model as on every
 * other answer.
 *
 * @module
 */
import type { CallContext } from '../../service/ai-service.js';
import type { ServerResponse } from 'node:http';
import { SwitchboardError } from '../../errors.js';
import type { NativeEvent } from '../../providers/spec/index.js';
import type { ModelEntry } from '../../registry/provider-registry.js';
import type { Exchange } from '../exchange.js';
import type { JsonObject } from '../field-checks.js';
import type { GatewayContext } from '../gateway-context.js';
import { sendBody } from '../send.js';
import { nativeFrame } from '../sse.js';
import { idWithoutSignature } from '../../providers/google/thought-signature-id.js';
import { answerTooDeep } from '../../providers/shared/upstream-limits.js';
import { isSealedReasoning } from '../responses/reasoning-envelope.js';
import { isGatewayItemId } from '../responses/response-object.js';
import { pumpSse } from './pump-sse.js';

/** Lifecycle events whose `response.model` is rewritten to the public name. */
const lifecycle: ReadonlySet<string> = new Set([
  'response.created',
  'response.in_progress',
  'response.queued',
  'response.completed',
  'response.incomplete',
  'response.failed',
]);

/**
 * The model row's output limit holds on the native path too (the body is otherwise the vendor's to
 * judge): `max_output_tokens` above the row's `max_tokens` is the same 400 as on the normalized path.
 */
export function checkNativeLimits(body: JsonObject, model: ModelEntry): void {
  const max = body['max_output_tokens'];
  if (typeof max === 'number' && model.maxTokens !== undefined && max > model.maxTokens) {
    throw new SwitchboardError(
      'invalid_request',
      `max_output_tokens is too large: ${max}. The model '${model.name}' allows at most ${model.maxTokens} output tokens.`,
      { param: 'max_output_tokens' },
    );
  }
}

const ENCRYPTED_REASONING = 'reasoning.encrypted_content';

/**
 * The body sent to the vendor: `store: false` always (OpenAI's default, true, would keep the
 * conversation at OpenAI under the gateway's key). Under `store: false` OpenAI keeps no reasoning
 * item either, so a client that replays a response's output (the SDKs' tool loop) gets 404 for
 * every `rs_…` item unless the item carries its `encrypted_content`. So for a row with
 * `features.reasoning: true` (the seeded GPT-5 rows), when the client did not send `store: false`
 * itself (then it knows and chose its own `include`), `reasoning.encrypted_content` joins the
 * client's `include`. Only for such rows: OpenAI answers 400 to it for a model that does not reason
 * (gpt-4o), and an OpenAI-compatible server behind a Custom row may not know it.
 */
export function upstreamBody(body: JsonObject, model: ModelEntry): JsonObject {
  const upstream: JsonObject = { ...body, store: false };
  const input = upstreamInput(body['input']);
  if (input !== body['input']) upstream['input'] = input;
  if (body['store'] === false || model.features.reasoning !== true) return upstream;
  const include = body['include'];
  if (include === undefined || include === null) upstream['include'] = [ENCRYPTED_REASONING];
  // Anything but a list is left to the vendor to judge, like every other field.
  else if (Array.isArray(include) && !include.includes(ENCRYPTED_REASONING)) upstream['include'] = [...include, ENCRYPTED_REASONING];
  return upstream;
}

/**
 * `input` as the vendor can take it; the same array when nothing changes:
 * - the Gemini 3 thought signature is taken out of each item's `call_id` (a function call and its
 *   output alike, so they still pair): OpenAI cannot use it and caps `call_id` at 64 characters
 *   (the signature makes it hundreds);
 * - `reasoning` items that another vendor's model produced through this gateway are left out, as
 *   the normalized path drops reasoning of another family: OpenAI cannot verify a `swb1.`
 *   envelope (400 `invalid_encrypted_content`) and, under `store: false`, has no item of that id
 *   (404 "Item with id 'rs_…' not found").
 */
function upstreamInput(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  let copy: unknown[] | undefined;
  let dropped = false;
  for (let index = 0; index < input.length; index++) {
    const item: unknown = input[index];
    if (typeof item !== 'object' || item === null) continue;
    const fields = item as JsonObject;
    if (fields['type'] === 'reasoning' && (isSealedReasoning(fields['encrypted_content']) || isGatewayItemId(fields['id']))) {
      copy ??= input.slice();
      copy[index] = undefined;
      dropped = true;
      continue;
    }
    const id = fields['call_id'];
    if (typeof id !== 'string') continue;
    const stripped = idWithoutSignature(id);
    if (stripped === id) continue;
    copy ??= input.slice();
    copy[index] = { ...item, call_id: stripped };
  }
  if (copy === undefined) return input;
  return dropped ? copy.filter((item) => item !== undefined) : copy;
}

/** Serves the request on the vendor's Responses API (`row`: the model's row, for `upstreamBody`). */
export async function nativeResponses(
  gateway: GatewayContext,
  exchange: Exchange,
  response: ServerResponse,
  body: JsonObject,
  call: { model: string; stream: boolean; row: ModelEntry; context: CallContext },
): Promise<void> {
  // A whole answer is encoded by the service before its ledger row is recorded (one nested too deeply to encode is in the row).
  const native = { api: 'openai-responses' as const, body: upstreamBody(body, call.row), stream: call.stream, encodeJson: withPublicModel };
  const { answer, route, encoded } = await gateway.service.native(native, call.context);
  exchange.upstreamMs = route.upstreamMs;
  if (answer.type === 'json') {
    exchange.inputTokens = answer.usage.inputTokens;
    exchange.outputTokens = answer.usage.outputTokens;
    let text: string;
    try {
      text = encoded ?? withPublicModel(answer.body, call.model);
    } catch (error) {
      throw error instanceof RangeError ? answerTooDeep(route.provider.name) : error;
    }
    sendBody(gateway, exchange, response, 200, text);
    return;
  }
  let lastSequence = -1;
  return pumpSse(gateway, exchange, response, answer.events, {
    encode: (event: NativeEvent) => {
      const data = event.event !== undefined && lifecycle.has(event.event) ? withModel(event.data, call.model) : event.data;
      lastSequence = sequenceOf(data, lastSequence);
      return nativeFrame(event.event, data);
    },
    fail: (error) => {
      const data = JSON.stringify({ type: 'error', code: error.code, message: error.message, param: error.param, sequence_number: lastSequence + 1 });
      return `event: error\ndata: ${data}\n\n`;
    },
    over() {
      const usage = answer.usage();
      exchange.inputTokens = usage.inputTokens;
      exchange.outputTokens = usage.outputTokens;
    },
  });
}

/** A whole answer's text, saying the public model name. */
function withPublicModel(body: JsonObject, model: string): string {
  return JSON.stringify({ ...body, model });
}

/** The event's data with `response.model` set to `model` (unchanged when it is not such JSON). */
function withModel(data: string, model: string): string {
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value !== 'object' || value === null) return data;
    const inner = (value as JsonObject)['response'];
    if (typeof inner !== 'object' || inner === null) return data;
    (inner as JsonObject)['model'] = model;
    return JSON.stringify(value);
  } catch {
    return data;
  }
}

/** The event's `sequence_number`, read without parsing the whole event (else `previous`). */
function sequenceOf(data: string, previous: number): number {
  const at = data.lastIndexOf('"sequence_number":');
  if (at === -1) return previous;
  const value = Number.parseInt(data.slice(at + 18, at + 34), 10);
  return Number.isFinite(value) ? value : previous;
}
