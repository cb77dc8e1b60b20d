/**
 * An OpenAI server whose reasoning model thinks before it answers: a real loopback server that
 * checks each body with the strict mock's own validators (chat completions, Responses) and streams
 * in OpenAI's wire format, with time spent before the first visible delta and between deltas, the
 * way o-series and GPT-5 models stream: the reasoning is not shown (chat completions never shows
 * it; the Responses API shows a reasoning item without text), and its token count comes only in the
 * final usage. Each stream follows the plan set with `next()` (else the default plan). A
 * non-streamed call thinks for the plan's `thinkMs` too, then answers whole (its head comes with the
 * answer, as OpenAI's does).
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { sendJson, startMockServer, type MockServer } from '../helpers/mock-server.js';
import { isObject, type Json, OpenAIError, validateChat } from '../mock-vendors/openai-checks.js';
import { validateResponses } from '../mock-vendors/openai-responses.js';

export interface ThinkingPlan {
  /** Time before the first visible delta, ms. */
  thinkMs: number;
  /** Visible words (one content delta each: `w1`, ` w2`, …). */
  words: number;
  /** Time between two visible deltas, ms. */
  wordDelayMs: number;
  /** Reasoning tokens the final usage reports. */
  reasoningTokens: number;
  /**
   * Streams: the response head (and on chat completions the role chunk) waits for the first visible
   * delta (as Azure OpenAI and some OpenAI-compatible servers hold it), instead of going out at once.
   */
  holdHead?: boolean;
  /** Chat completions: a DeepSeek-like server that shows its reasoning as `reasoning_content` deltas, at once, before thinking on. */
  showReasoning?: string[];
}

export interface ThinkingVendor {
  baseUrl: string;
  server: MockServer;
  /** The plan of the next stream (then the default again); resolves with performance.now() when its request arrives. */
  next(plan: Partial<ThinkingPlan>): Promise<number>;
  close(): Promise<void>;
}

const defaultPlan: ThinkingPlan = { thinkMs: 0, words: 5, wordDelayMs: 0, reasoningTokens: 0 };
const created = 1_767_225_600;

export async function startThinkingVendor(apiKey: string): Promise<ThinkingVendor> {
  let planned: { plan: ThinkingPlan; arrived: (at: number) => void } | undefined;
  let counter = 0;
  const server = await startMockServer(async (request, response) => {
    const plan = planned?.plan ?? defaultPlan;
    planned?.arrived(performance.now());
    planned = undefined;
    counter += 1;
    try {
      if (request.headers.authorization !== `Bearer ${apiKey}`) throw new OpenAIError(401, 'Incorrect API key provided.', null, 'invalid_api_key');
      if (request.method === 'POST' && request.url === '/v1/chat/completions') {
        const body = validateChat(request.body);
        if (body['stream'] !== true) return await answerChat(response, body, plan, counter);
        return await streamChat(response, body, plan, counter);
      }
      if (request.method === 'POST' && request.url === '/v1/responses') {
        const body = validateResponses(request.body);
        if (body['stream'] !== true) return await answerResponse(response, body, plan, counter);
        return await streamResponse(response, body, plan, counter);
      }
      throw new OpenAIError(404, `Invalid URL (${request.method} ${request.url})`);
    } catch (error) {
      if (!(error instanceof OpenAIError)) throw error;
      return sendJson(response, error.status, error.body());
    }
  });
  return {
    baseUrl: `${server.origin}/v1`,
    server,
    next: (plan) => new Promise((arrived) => void (planned = { plan: { ...defaultPlan, ...plan }, arrived })),
    close: () => server.close(),
  };
}

/** Waits `ms`, or less when the client goes away. */
function pause(response: ServerResponse, ms: number): Promise<void> {
  if (ms <= 0 || response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      response.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    response.on('close', done);
  });
}
const head = (response: ServerResponse): void => void response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
const words = (plan: ThinkingPlan): string[] => Array.from({ length: plan.words }, (_unused, index) => (index === 0 ? 'w1' : ` w${index + 1}`));

function promptWords(value: unknown): number {
  return JSON.stringify(value ?? '').split(/\s+/).filter(Boolean).length;
}

/** Writes `frames` with `delayMs` after each; false once the client went away. */
async function write(response: ServerResponse, frames: readonly string[], delayMs: number): Promise<boolean> {
  for (const frame of frames) {
    if (response.destroyed) return false;
    response.write(frame);
    await pause(response, delayMs);
  }
  return !response.destroyed;
}

/** Chat completions' usage for `plan`'s answer. */
function chatUsage(body: Json, plan: ThinkingPlan): Json {
  const input = promptWords(body['messages']);
  const output = plan.words + plan.reasoningTokens;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: plan.reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** A non-streamed chat completion: thinks for `plan.thinkMs` (less when the caller goes away), then answers whole. */
async function answerChat(response: ServerResponse, body: Json, plan: ThinkingPlan, counter: number): Promise<void> {
  await pause(response, plan.thinkMs);
  if (response.destroyed) return;
  sendJson(response, 200, {
    id: `chatcmpl-think${counter}`,
    object: 'chat.completion',
    created,
    model: body['model'],
    choices: [{ index: 0, message: { role: 'assistant', content: words(plan).join(''), refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
    usage: chatUsage(body, plan),
    service_tier: 'default',
    system_fingerprint: 'fp_think',
  });
}

async function streamChat(response: ServerResponse, body: Json, plan: ThinkingPlan, counter: number): Promise<void> {
  const includeUsage = isObject(body['stream_options']) && body['stream_options']['include_usage'] === true;
  const base = { id: `chatcmpl-think${counter}`, object: 'chat.completion.chunk', created, model: body['model'], system_fingerprint: 'fp_think' };
  const frame = (delta: Json, finishReason: string | null = null): string =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(includeUsage ? { usage: null } : {}) })}\n\n`;
  const role = frame({ role: 'assistant', content: '', refusal: null });
  if (plan.holdHead !== true) {
    head(response);
    response.write(role);
  }
  if (plan.showReasoning !== undefined && !(await write(response, plan.showReasoning.map((text) => frame({ content: null, reasoning_content: text })), 0))) return;
  await pause(response, plan.thinkMs);
  if (response.destroyed) return;
  if (plan.holdHead === true) {
    head(response);
    response.write(role);
  }
  const text = words(plan);
  if (!(await write(response, text.map((word) => frame({ content: word })), plan.wordDelayMs))) return;
  const tail = [frame({}, 'stop')];
  if (includeUsage) tail.push(`data: ${JSON.stringify({ ...base, choices: [], usage: chatUsage(body, plan) })}\n\n`);
  tail.push('data: [DONE]\n\n');
  if (await write(response, tail, 0)) response.end();
}

/** The parts of one Responses answer: its reasoning item (no summary), its message, the response object and its usage. */
function responseParts(body: Json, plan: ThinkingPlan, counter: number) {
  const messageId = `msg_think${counter}`;
  const input = promptWords(body['input']);
  const output = plan.words + plan.reasoningTokens;
  return {
    messageId,
    reasoning: { id: `rs_think${counter}`, type: 'reasoning', summary: [] } as Json,
    message: (content: string): Json => ({
      id: messageId,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: content, annotations: [], logprobs: [] }],
    }),
    object: (status: string, outputItems: Json[], usage: Json | null): Json => ({
      id: `resp_think${counter}`,
      object: 'response',
      created_at: created,
      status,
      model: body['model'],
      output: outputItems,
      usage,
      store: body['store'] ?? true,
      reasoning: { effort: isObject(body['reasoning']) ? (body['reasoning']['effort'] ?? null) : null, summary: null },
    }),
    usage: {
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: plan.reasoningTokens },
      total_tokens: input + output,
    } as Json,
  };
}

/** A non-streamed Responses call: thinks for `plan.thinkMs` (less when the caller goes away), then answers whole. */
async function answerResponse(response: ServerResponse, body: Json, plan: ThinkingPlan, counter: number): Promise<void> {
  await pause(response, plan.thinkMs);
  if (response.destroyed) return;
  const { reasoning, message, object, usage } = responseParts(body, plan, counter);
  sendJson(response, 200, object('completed', [reasoning, message(words(plan).join(''))], usage));
}

async function streamResponse(response: ServerResponse, body: Json, plan: ThinkingPlan, counter: number): Promise<void> {
  let sequence = 0;
  const event = (type: string, data: Json): string => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const text = words(plan);
  const { messageId, reasoning, message, object, usage } = responseParts(body, plan, counter);
  if (plan.holdHead === true) {
    await pause(response, plan.thinkMs);
    if (response.destroyed) return;
  }
  head(response);
  const opening = [
    event('response.created', { response: object('in_progress', [], null) }),
    event('response.in_progress', { response: object('in_progress', [], null) }),
    event('response.output_item.added', { output_index: 0, item: reasoning }),
  ];
  if (!(await write(response, opening, 0))) return;
  if (plan.holdHead !== true) await pause(response, plan.thinkMs);
  const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
  const before = [
    event('response.output_item.done', { output_index: 0, item: reasoning }),
    event('response.output_item.added', { output_index: 1, item: { ...message(''), status: 'in_progress', content: [] } }),
    event('response.content_part.added', { item_id: messageId, output_index: 1, content_index: 0, part }),
  ];
  if (!(await write(response, before, 0))) return;
  const deltas = text.map((delta) => event('response.output_text.delta', { item_id: messageId, output_index: 1, content_index: 0, delta, logprobs: [] }));
  if (!(await write(response, deltas, plan.wordDelayMs))) return;
  const whole = text.join('');
  const closing = [
    event('response.output_text.done', { item_id: messageId, output_index: 1, content_index: 0, text: whole, logprobs: [] }),
    event('response.content_part.done', { item_id: messageId, output_index: 1, content_index: 0, part: { ...part, text: whole } }),
    event('response.output_item.done', { output_index: 1, item: message(whole) }),
    event('response.completed', { response: object('completed', [reasoning, message(whole)], usage) }),
  ];
  if (await write(response, closing, 0)) response.end();
}
