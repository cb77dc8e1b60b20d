// /v1/responses answers validated against OpenAI's published schemas (closed): every `response`
// object against `Response`, every stream event against its own component and the
// `ResponseStreamEvent` union, and errors against `ErrorResponse`. Read with raw fetch, so the
// tests see the exact bytes, for each provider class (OpenAI natively, the rest normalized).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { SchemaValidator, VendoredComponents } from '../helpers/schema-validator.js';
import { MODELS, type TestGateway } from '../helpers/gateway.js';
import { CLAUDE_THINKING_MODEL, SERVED_BY, startResponsesGateway } from '../e2e/responses-helpers.js';
import { responseObject as mockResponseObject } from '../mock-vendors/openai-responses.js';
import { loadOpenAIValidator, OPENAI_COMPONENTS, requestJson } from './openai-schema.js';

const tool = { type: 'function', name: 'lookup', description: 'Looks things up', parameters: { type: 'object', properties: { query: { type: 'string' } } }, strict: false };

let t: TestGateway;
let validator: SchemaValidator;
/** Stream event type → the component that defines it. */
const eventComponents = new Map<string, string>();

before(async () => {
  [t, validator] = await Promise.all([startResponsesGateway(), loadOpenAIValidator()]);
  const vendored = JSON.parse(await readFile(OPENAI_COMPONENTS, 'utf8')) as VendoredComponents;
  const union = vendored.schema.$defs['ResponseStreamEvent'] as { anyOf: { $ref: string }[] };
  for (const { $ref } of union.anyOf) {
    const name = $ref.slice('#/$defs/'.length);
    const component = vendored.schema.$defs[name] as { properties: { type: { enum: string[] } } };
    eventComponents.set(component.properties.type.enum[0] ?? '', name);
  }
});
after(async () => {
  await t.close();
});

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

interface Event {
  event: string;
  data: { type: string; sequence_number: number } & Record<string, unknown>;
}

/** Posts a streaming request and parses the typed SSE events (`event:` and `data:` lines). */
async function streamEvents(body: Record<string, unknown>): Promise<Event[]> {
  const response = await fetch(`${t.baseURL}/responses`, post({ ...body, stream: true }));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const lines = frame.split('\n');
      assert.equal(lines.length, 2, `one event line and one data line: ${frame}`);
      const [eventLine = '', dataLine = ''] = lines;
      assert.ok(eventLine.startsWith('event: ') && dataLine.startsWith('data: '), frame);
      return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) as Event['data'] };
    });
}

function validateEvents(events: Event[]): void {
  let last = -1;
  for (const { event, data } of events) {
    assert.equal(data.type, event, 'the event name is the data type');
    assert.ok(data.sequence_number > last, `sequence_number increases: ${data.sequence_number} after ${last}`);
    last = data.sequence_number;
    const component = eventComponents.get(event);
    assert.ok(component, `${event} is a published event type`);
    validator.validateAgainst(component, data);
    validator.validateAgainst('ResponseStreamEvent', data);
  }
}

// What the gateway itself writes: every class served through the normalized service. (An OpenAI
// model's answer is OpenAI's own, passed through; see the native describe below.)
for (const served of SERVED_BY.filter((entry) => !entry.native)) {
  const { vendor, model } = served;
  describe(`Response schema via ${vendor}`, () => {
    it('a text answer and a function call conform to Response', async () => {
      const text = await requestJson(`${t.baseURL}/responses`, post({ model, input: 'hello', instructions: 'Be brief.', metadata: { run: 'conf' } }));
      assert.equal(text.status, 200);
      validator.validateAgainst('Response', text.body);
      const call = await requestJson(`${t.baseURL}/responses`, post({ model, input: 'find cats', tools: [tool], tool_choice: 'auto', temperature: 0.5 }));
      assert.equal(call.status, 200);
      validator.validateAgainst('Response', call.body);
      assert.ok(JSON.stringify(call.body).includes('"type":"function_call"'));
    });

    it('every event of a text stream and of a function-call stream conforms', async () => {
      const textEvents = await streamEvents({ model, input: 'stream this text' });
      validateEvents(textEvents);
      assert.equal(textEvents.at(-1)?.event, 'response.completed');
      const callEvents = await streamEvents({ model, input: 'find dogs', tools: [tool] });
      validateEvents(callEvents);
      assert.ok(callEvents.some((event) => event.event === 'response.function_call_arguments.delta'));
      assert.ok(callEvents.some((event) => event.event === 'response.function_call_arguments.done'));
    });
  });
}

describe('Response schema: reasoning, limits, failures and errors', () => {
  it('reasoning answers conform: reasoning items, summaries, sealed signatures, reasoning tokens', async () => {
    for (const model of [CLAUDE_THINKING_MODEL, MODELS.google]) {
      const body = { model, input: 'find owls', tools: [tool], reasoning: { effort: 'medium', summary: 'auto' } };
      const answer = await requestJson(`${t.baseURL}/responses`, post(body));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      validator.validateAgainst('Response', answer.body);
      assert.ok(JSON.stringify(answer.body).includes('"type":"reasoning"'));
      const events = await streamEvents(body);
      validateEvents(events);
      assert.ok(events.some((event) => event.event === 'response.reasoning_summary_text.delta'));
    }
  });

  it('an answer cut by max_output_tokens is incomplete and conforms', async () => {
    const answer = await requestJson(`${t.baseURL}/responses`, post({ model: MODELS.google, input: 'one two three four five', max_output_tokens: 2 }));
    assert.equal(answer.status, 200);
    validator.validateAgainst('Response', answer.body);
    const body = answer.body as { status: string; incomplete_details: { reason: string } };
    assert.equal(body.status, 'incomplete');
    assert.equal(body.incomplete_details.reason, 'max_output_tokens');
    const events = await streamEvents({ model: MODELS.google, input: 'one two three four five', max_output_tokens: 2 });
    validateEvents(events);
    assert.equal(events.at(-1)?.event, 'response.incomplete');
  });

  it('a failure mid-stream sends error then response.failed, both conforming', async () => {
    t.anthropic.failNextStream({ afterChunks: 2 });
    const events = await streamEvents({ model: MODELS.anthropic, input: 'this will fail midway' });
    validateEvents(events);
    assert.deepEqual(events.slice(-2).map((event) => event.event), ['error', 'response.failed']);
    assert.ok(events.some((event) => event.event === 'response.output_text.delta'));
  });

  it('error answers conform to ErrorResponse', async () => {
    for (const body of [{ model: MODELS.anthropic }, { model: MODELS.anthropic, input: 'x', store: true }, { model: 'nope', input: 'x' }]) {
      const answer = await requestJson(`${t.baseURL}/responses`, post(body));
      assert.ok(answer.status >= 400, JSON.stringify(answer.body));
      validator.validateAgainst('ErrorResponse', answer.body);
    }
  });
});

describe('the native path (OpenAI model): the vendor\'s answer passes unchanged apart from model', () => {
  it('JSON: exactly the vendor\'s response object, model named as the client asked, store: false sent', async () => {
    const body = { model: MODELS.openai, input: 'think', instructions: 'Be brief.', reasoning: { effort: 'high', summary: 'auto' }, top_logprobs: 2 };
    const answer = await requestJson(`${t.baseURL}/responses`, post(body));
    assert.equal(answer.status, 200);
    const sent = t.openai.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(sent, { ...body, model: 'gpt-4o-mini', store: false }, 'the body reached OpenAI unchanged (model id, store: false)');
    const got = answer.body as { id: string };
    const counter = Number(/^resp_mock(\d+)$/.exec(got.id)?.[1]);
    const vendor = mockResponseObject(sent, counter);
    assert.deepEqual(answer.body, { ...vendor, model: MODELS.openai });
  });

  it('stream: the vendor\'s events in order, lifecycle events naming the public model', async () => {
    const events = await streamEvents({ model: MODELS.openai, input: 'think', reasoning: { effort: 'low' } });
    let last = -1;
    for (const { event, data } of events) {
      assert.equal(data.type, event);
      assert.ok(data.sequence_number > last);
      last = data.sequence_number;
      const response = data['response'] as { model?: string } | undefined;
      if (response) assert.equal(response.model, MODELS.openai);
    }
    assert.deepEqual(events.map((event) => event.event).slice(0, 3), ['response.created', 'response.in_progress', 'response.output_item.added']);
    assert.equal(events.at(-1)?.event, 'response.completed');
  });
});
