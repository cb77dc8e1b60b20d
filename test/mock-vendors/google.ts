/**
 * A strict fake of the Gemini API (`/v1beta`) on loopback, following the common mock contract in
 * README.md. Routes: `models/{model}:generateContent`, `:streamGenerateContent` (`?alt=sse` → SSE
 * with CRLF frames and no [DONE]; otherwise one JSON array), `:embedContent`,
 * `:batchEmbedContents`, `GET models[/{model}]`; anything else gets Google's HTML 404 page.
 *
 * Gemini specifics of the deterministic answers: a user text containing `BLOCKME` is blocked
 * (200, `promptFeedback.blockReason: "SAFETY"`, no candidates); a stop sequence ends with `STOP`
 * (Gemini has no stop-sequence reason); `responseMimeType: application/json` answers
 * `{"echo":"Echo: …"}`; `candidateCount` repeats the candidate; Gemini 3 models put a
 * `thoughtSignature` on function calls and reject history whose first function call of a model
 * turn has none (any non-empty value passes). Stricter than Google in one way: signatures are
 * checked in every model turn, not only in the current one. Gemini 3 calls carry an `id`; a
 * `functionResponse.id` must name a call of the turn it answers (checkResultIds), and results with
 * ids are paired with their calls by id. Results of parallel calls to one function
 * are echoed as Gemini pairs them without ids (by name, then position: sameNamePairs). A user text
 * `GEMINI_FAILS:<REASON>` gets a candidate with that finishReason and no content (as Gemini ends a
 * MALFORMED_FUNCTION_CALL: HTTP 200, prompt usage only). Model ids: `gemini-*`, `gemma-*` and
 * `learnlm-*` generate, `gemini-embedding*`, `text-embedding*` and `embedding*` embed; others are 404.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, startMockServer, type MockServer, type RecordedRequest } from '../helpers/mock-server.js';
import { checkFields, checkGenerateRequest, child, defaultErrorBody, field, fields, GoogleApiError, googleError, invalid, invalidKeyError, isObject, type Json, list, names, objects, overloadedFrame, resultsOf, callsOf } from './google-checks.js';

export interface GoogleMockOptions {
  /** Accepted keys (`x-goog-api-key` header or `?key=`). Default `['test-key']`. */
  apiKeys?: string[];
  /** Pause between stream frames. Default 0. */
  chunkDelayMs?: number;
}

export interface GoogleMock {
  origin: string;
  /** `<origin>/v1beta` */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Requests being answered now, and the most ever at once. */
  load: MockServer['load'];
  /**
   * The next request (after routing and auth) gets this answer. `body` defaults to Google's error
   * body for the status (429: RetryInfo `7s`); a string body is sent as is (malformed-body tests).
   */
  failNext(failure: { status: number; body?: unknown; headers?: Record<string, string> }): void;
  /** The next stream sends `afterChunks` chunks, then an UNAVAILABLE error frame, then ends. */
  failNextStream(options: { afterChunks: number }): void;
  /** The next stream sends `afterChunks` chunks and then never ends. */
  hangNextStream(options: { afterChunks: number }): void;
  close(): Promise<void>;
}

// ---- deterministic answers ----

interface Answer {
  blocked: boolean;
  /** Ended with `finishReason` and no content (GEMINI_FAILS). */
  failed?: boolean;
  text?: string;
  call?: { id?: string; name: string; args: Json };
  finishReason: string;
  promptTokens: number;
  outputTokens: number;
  cached: boolean;
  /** The thought summary when `thinkingConfig.includeThoughts` is on (thinking not turned off). */
  thought?: string;
  thoughtTokens: number;
}

const wordCount = (text: string): number => text.split(/\s+/).filter(Boolean).length;
const textsOf = (content: Json): string[] =>
  objects(content, 'parts').flatMap((part) => (typeof part['text'] === 'string' ? [part['text']] : []));

/** A function result as text: its `content` string, else its JSON. */
function resultText(part: Json): string {
  const response = field(child(part, 'functionResponse'), 'response');
  return isObject(response) && typeof response['content'] === 'string' ? response['content'] : JSON.stringify(response);
}

function answer(request: Json): Answer {
  const contents = objects(request, 'contents');
  const systemTexts = textsOf(child(request, 'systemInstruction'));
  let promptTokens = wordCount(systemTexts.join(' '));
  for (const content of contents) {
    promptTokens += wordCount(textsOf(content).join(' '));
    for (const part of resultsOf(content)) promptTokens += wordCount(resultText(part));
  }
  const last = [...contents].reverse().find((content) => field(content, 'role') !== 'model') ?? {};
  const texts = textsOf(last);
  const userText = texts.join(' ');
  // Thinking: on unless thinkingBudget is 0; 11 thought tokens; a summary part when includeThoughts.
  const thinking = child(child(request, 'generationConfig'), 'thinkingConfig');
  const thinks = field(thinking, 'thinkingBudget') !== 0 && isObject(field(child(request, 'generationConfig'), 'thinkingConfig'));
  const thought = thinks && field(thinking, 'includeThoughts') === true ? { thought: `Thinking about: ${userText}` } : {};
  // A system text with 'think' also spends 7 thought tokens (the ledger's bucket tests), without a summary.
  const thoughtTokens = (thinks ? 11 : 0) + (systemTexts.some((text) => text.includes('think')) ? 7 : 0);
  const base = { promptTokens, cached: systemTexts.some((text) => text.includes('cache')), thoughtTokens, ...thought };
  if (userText.includes('BLOCKME')) return { ...base, blocked: true, finishReason: 'SAFETY', outputTokens: 0 };
  const failure = /GEMINI_FAILS:([A-Z_]+)/.exec(userText)?.[1];
  if (failure !== undefined) return { ...base, blocked: false, failed: true, finishReason: failure, outputTokens: 0 };

  const declarations = objects(request, 'tools').flatMap((tool) => objects(tool, 'functionDeclarations'));
  const callingConfig = child(child(request, 'toolConfig'), 'functionCallingConfig');
  if (declarations.length > 0 && texts.length > 0 && field(callingConfig, 'mode') !== 'NONE') {
    const name = String(list(callingConfig, 'allowedFunctionNames')[0] ?? field(declarations[0] ?? {}, 'name'));
    const args = { query: userText };
    const outputTokens = wordCount(JSON.stringify(args));
    return { ...base, blocked: false, call: { name, args }, finishReason: 'STOP', outputTokens };
  }

  const results = resultsOf(last);
  const lastResult = results[results.length - 1];
  const pairs = texts.length > 0 ? undefined : sameNamePairs(contents[contents.indexOf(last) - 1], results);
  let text = `Echo: ${pairs ?? (texts.length > 0 || !lastResult ? userText : resultText(lastResult))}`;
  // Media of the last user turn, and that inside its last function response (a screenshot tool's).
  const resultMedia = lastResult ? objects(child(lastResult, 'functionResponse'), 'parts') : [];
  for (const part of [...objects(last, 'parts'), ...resultMedia]) {
    if (isObject(field(part, 'inlineData'))) text += ` [image:${String(field(child(part, 'inlineData'), 'mimeType'))}]`;
    if (isObject(field(part, 'fileData'))) text += ` [image:${String(field(child(part, 'fileData'), 'fileUri'))}]`;
  }
  const config = child(request, 'generationConfig');
  if (field(config, 'responseMimeType') === 'application/json') text = JSON.stringify({ echo: text });
  let finishReason = 'STOP';
  for (const stop of list(config, 'stopSequences')) {
    const at = text.indexOf(String(stop));
    if (at !== -1) text = text.slice(0, at);
  }
  const limit = field(config, 'maxOutputTokens');
  if (typeof limit === 'number' && wordCount(text) > limit) {
    text = splitWords(text).slice(0, limit).join('');
    finishReason = 'MAX_TOKENS';
  }
  return { ...base, blocked: false, text, finishReason, outputTokens: wordCount(text) };
}

/**
 * Results of parallel calls to one function, as Gemini pairs them: by id when the response has one,
 * else the k-th response named N answers the k-th call named N (`lookup({"q":"a"})=A; lookup({"q":"b"})=B`). Undefined
 * unless a name repeats among the calls of `model` (the echo is then the last result, as before).
 */
function sameNamePairs(model: Json | undefined, results: Json[]): string | undefined {
  const calls = model ? callsOf(model).map((part) => child(part, 'functionCall')) : [];
  if (new Set(calls.map((call) => field(call, 'name'))).size === calls.length) return undefined;
  const answered = new Map<unknown, number>();
  return results
    .map((part) => {
      const name = field(child(part, 'functionResponse'), 'name');
      const id = field(child(part, 'functionResponse'), 'id');
      const rank = answered.get(name) ?? 0;
      answered.set(name, rank + 1);
      const byId = id === undefined ? undefined : calls.find((candidate) => field(candidate, 'id') === id);
      const call = byId ?? calls.filter((candidate) => field(candidate, 'name') === name)[rank] ?? {};
      return `${String(name)}(${JSON.stringify(field(call, 'args') ?? {})})=${resultText(part)}`;
    })
    .join('; ');
}

/** `"Echo: a b"` → `["Echo:", " a", " b"]`: the stream's deltas. */
const splitWords = (text: string): string[] => text.split(/(?= )/).filter((word) => word !== '');

function usage(answer: Answer, outputTokens: number): Json {
  const metadata: Json = {
    promptTokenCount: answer.promptTokens,
    candidatesTokenCount: outputTokens,
    totalTokenCount: answer.promptTokens + outputTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: answer.promptTokens }],
  };
  if (answer.cached) metadata['cachedContentTokenCount'] = 3;
  if (answer.thoughtTokens > 0) {
    metadata['thoughtsTokenCount'] = answer.thoughtTokens;
    metadata['totalTokenCount'] = answer.promptTokens + outputTokens + answer.thoughtTokens;
  }
  return metadata;
}

/** The response chunks of a stream: one per word, or one whole function call. */
function streamChunks(result: Answer, envelope: Json, signature: Json): Json[] {
  if (result.blocked) return [{ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: usage(result, 0), ...envelope }];
  const thought = result.thought === undefined ? [] : [{ candidates: [{ content: { parts: [{ text: result.thought, thought: true }], role: 'model' }, index: 0 }], usageMetadata: usage(result, 0), ...envelope }];
  return [...thought, ...answerChunks(result, envelope, signature)];
}

function answerChunks(result: Answer, envelope: Json, signature: Json): Json[] {
  if (result.failed) return [{ candidates: [{ finishReason: result.finishReason, index: 0 }], usageMetadata: usage(result, 0), ...envelope }];
  if (result.call) {
    const content = { parts: [{ functionCall: result.call, ...signature }], role: 'model' };
    return [{ candidates: [{ content, finishReason: 'STOP', index: 0 }], usageMetadata: usage(result, result.outputTokens), ...envelope }];
  }
  const words = splitWords(result.text ?? '');
  let sent = '';
  return words.map((word, index) => {
    sent += word;
    const candidate: Json = { content: { parts: [{ text: word }], role: 'model' }, index: 0 };
    if (index === words.length - 1) candidate['finishReason'] = result.finishReason;
    return { candidates: [candidate], usageMetadata: usage(result, wordCount(sent)), ...envelope };
  });
}

// ---- embeddings ----

const taskTypes = names(
  'TASK_TYPE_UNSPECIFIED RETRIEVAL_QUERY RETRIEVAL_DOCUMENT SEMANTIC_SIMILARITY CLASSIFICATION CLUSTERING ' +
    'QUESTION_ANSWERING FACT_VERIFICATION CODE_RETRIEVAL_QUERY',
);

function embedding(value: unknown, path: string, model: string, batched: boolean): { values: number[] } {
  const request = checkFields(value, fields.embedRequest, path);
  const prefix = path === '' ? '' : `${path}.`;
  if (batched && field(request, 'model') !== `models/${model}`) {
    throw invalid(`* BatchEmbedContentsRequest.${prefix}model: must be the model of the URL (models/${model}).\n`);
  }
  const taskType = field(request, 'taskType');
  if (taskType !== undefined && !taskTypes.includes(String(taskType))) {
    throw invalid(`Invalid value at '${prefix}task_type' (type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType), "${String(taskType)}"`);
  }
  const dimensions = field(request, 'outputDimensionality') ?? 8;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 3072) {
    throw invalid(`* ${prefix}output_dimensionality: must be between 1 and 3072.\n`);
  }
  const text = textsOf(child(request, 'content')).join('');
  if (text === '') throw invalid(`* ${prefix}content: content is required\n`);
  let sum = 0;
  for (let index = 0; index < text.length; index++) sum += text.charCodeAt(index);
  return { values: Array.from({ length: dimensions }, (_unused, index) => ((sum + index) % 100) / 100) };
}

// ---- server ----

const embeddingModel = /^(gemini-embedding|text-embedding|embedding)/;
const generationModel = /^(gemini|gemma|learnlm)-/;
const methods = names('generateContent streamGenerateContent embedContent batchEmbedContents');
const listedModels = ['gemini-2.5-flash', 'gemini-3-pro-preview', 'gemini-embedding-001'].map((id) => ({
  name: `models/${id}`,
  displayName: id,
  supportedGenerationMethods: embeddingModel.test(id)
    ? ['embedContent', 'batchEmbedContents']
    : ['generateContent', 'countTokens', 'streamGenerateContent'],
}));

function sendHtml404(response: ServerResponse, path: string): void {
  const escaped = path.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
  response.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
  response.end(
    '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n' +
      `  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>${escaped}</code> was not found ` +
      'on this server.  <ins>That’s all we know.</ins>\n',
  );
}

export async function startGoogleMock(options: GoogleMockOptions = {}): Promise<GoogleMock> {
  const apiKeys = options.apiKeys ?? ['test-key'];
  let nextFailure: { status: number; body?: unknown; headers?: Record<string, string> } | undefined;
  let nextStream: { kind: 'fail' | 'hang'; afterChunks: number } | undefined;
  let responseCounter = 0;

  async function stream(response: ServerResponse, chunks: Json[], sse: boolean): Promise<void> {
    const plan = nextStream;
    nextStream = undefined;
    const sent = plan ? chunks.slice(0, plan.afterChunks) : chunks;
    if (plan?.kind === 'fail') sent.push(overloadedFrame);
    response.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/json' });
    for (const [index, chunk] of sent.entries()) {
      if (response.destroyed) return;
      const json = JSON.stringify(chunk);
      response.write(sse ? `data: ${json}\r\n\r\n` : `${index === 0 ? '[' : ',\r\n'}${json}`);
      await new Promise((resolve) => setTimeout(resolve, options.chunkDelayMs ?? 0));
    }
    if (plan?.kind !== 'hang') response.end(sse ? '' : sent.length === 0 ? '[]' : ']');
  }

  async function handle(
    request: RecordedRequest,
    response: ServerResponse,
    url: URL,
    model: string | undefined,
    method: string | undefined,
  ): Promise<void> {
    const key = request.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? '';
    if (key === '') {
      throw googleError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). " +
          'Please use API Key or other form of API consumer identity to call this API.',
      );
    }
    if (typeof key !== 'string' || !apiKeys.includes(key)) throw invalidKeyError();
    if (nextFailure) {
      const { status, body = defaultErrorBody(status), headers } = nextFailure;
      nextFailure = undefined;
      if (typeof body !== 'string') return sendJson(response, status, body, headers);
      response.writeHead(status, { 'content-type': 'text/plain', ...headers });
      return void response.end(body);
    }
    if (model === undefined) return sendJson(response, 200, { models: listedModels });
    if (method === undefined) {
      const found = listedModels.find((entry) => entry.name === `models/${model}`);
      if (!found) throw googleError(404, `models/${model} is not found for API version v1beta, or is not supported for get.`);
      return sendJson(response, 200, found);
    }
    const embeds = method === 'embedContent' || method === 'batchEmbedContents';
    if (embeds ? !embeddingModel.test(model) : embeddingModel.test(model) || !generationModel.test(model)) {
      throw googleError(
        404,
        `models/${model} is not found for API version v1beta, or is not supported for ${method}. ` +
          'Call ListModels to see the list of available models and their supported methods.',
      );
    }
    if (!isObject(request.body)) throw invalid('Invalid JSON payload received. Unexpected token.');
    if (method === 'embedContent') return sendJson(response, 200, { embedding: embedding(request.body, '', model, false) });
    if (method === 'batchEmbedContents') {
      const requests = list(checkFields(request.body, ['requests'], ''), 'requests');
      if (requests.length === 0 || requests.length > 100) {
        throw invalid('* BatchEmbedContentsRequest.requests: between 1 and 100 requests are allowed in one batch.\n');
      }
      const embeddings = requests.map((entry, index) => embedding(entry, `requests[${index}]`, model, true));
      return sendJson(response, 200, { embeddings });
    }

    const body = checkGenerateRequest(request.body, model);
    const result = answer(body);
    // Gemini 3 names its calls (`functionCall.id`), to be echoed in `functionResponse.id`.
    if (result.call && model.startsWith('gemini-3')) result.call = { id: `fc${responseCounter + 1}x`, ...result.call };
    const envelope = { modelVersion: model, responseId: `mock-response-${++responseCounter}` };
    const signatureValue = Buffer.from(`signature-${responseCounter}`).toString('base64');
    const signature = model.startsWith('gemini-3') ? { thoughtSignature: signatureValue } : {};
    if (method === 'streamGenerateContent') {
      return stream(response, streamChunks(result, envelope, signature), url.searchParams.get('alt') === 'sse');
    }
    if (result.blocked) {
      return sendJson(response, 200, { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: usage(result, 0), ...envelope });
    }
    if (result.failed) {
      return sendJson(response, 200, { candidates: [{ finishReason: result.finishReason, index: 0 }], usageMetadata: usage(result, 0), ...envelope });
    }
    const part = result.call ? { functionCall: result.call, ...signature } : { text: result.text };
    const count = field(child(body, 'generationConfig'), 'candidateCount');
    const candidateCount = typeof count === 'number' ? count : 1;
    const thought = result.thought === undefined ? [] : [{ text: result.thought, thought: true }];
    const candidates = Array.from({ length: candidateCount }, (_unused, index) => ({
      content: { parts: [...thought, part], role: 'model' },
      finishReason: result.finishReason,
      index,
    }));
    sendJson(response, 200, { candidates, usageMetadata: usage(result, result.outputTokens * candidateCount), ...envelope });
  }

  const server = await startMockServer(async (request, response) => {
    const url = new URL(request.url, 'http://mock');
    const route = /^\/v1beta\/models(?:\/([^/:]+)(?::(\w+))?)?$/.exec(url.pathname);
    const model = route?.[1] === undefined ? undefined : decodeURIComponent(route[1]);
    const method = route?.[2];
    const known =
      route !== null &&
      (request.method === 'GET' ? method === undefined : model !== undefined && methods.includes(method ?? ''));
    if (!known) return sendHtml404(response, url.pathname);
    try {
      await handle(request, response, url, model, method);
    } catch (error) {
      if (!(error instanceof GoogleApiError)) throw error;
      sendJson(response, error.status, error.body);
    }
  });

  return {
    origin: server.origin,
    baseUrl: `${server.origin}/v1beta`,
    requests: server.requests,
    load: server.load,
    failNext: (failure) => {
      nextFailure = failure;
    },
    failNextStream: ({ afterChunks }) => {
      nextStream = { kind: 'fail', afterChunks };
    },
    hangNextStream: ({ afterChunks }) => {
      nextStream = { kind: 'hang', afterChunks };
    },
    close: () => server.close(),
  };
}
