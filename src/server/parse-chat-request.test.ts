import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '../errors.js';
import { parseChatRequest } from './parse-chat-request.js';

function fails(body: Record<string, unknown>, code: string, param: string, message?: RegExp): void {
  assert.throws(
    () => parseChatRequest(body),
    (error: unknown) => {
      assert.ok(SwitchboardError.isInstance(error));
      assert.equal(error.code, code);
      assert.equal(error.param, param);
      assert.ok(error.message.startsWith(param), `message names the field: ${error.message}`);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

const user = { role: 'user', content: 'hi' };

describe('parseChatRequest', () => {
  it('parses a minimal request', () => {
    const parsed = parseChatRequest({ model: 'gpt-4o-mini', messages: [user] });
    assert.deepEqual(parsed, {
      request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      stream: false,
      includeUsage: false,
      nativeFields: {},
    });
  });

  it('maps every supported field', () => {
    const parsed = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'developer', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"q":1}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'result' },
        { role: 'assistant', content: [{ type: 'text', text: 'x' }, { type: 'refusal', refusal: 'y' }] },
      ],
      tools: [{ type: 'function', function: { name: 'get', description: 'd', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' }, strict: true } },
      max_tokens: 50,
      max_completion_tokens: 40,
      stop: 'END',
      n: 2,
      seed: 7,
      user: 'u1',
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      stream_options: { include_usage: true },
      store: true,
      metadata: { a: 'b' },
      some_future_field: 1,
    });
    assert.equal(parsed.stream, true);
    assert.equal(parsed.includeUsage, true);
    assert.deepEqual(parsed.request, {
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'developer', content: 'a\nb' },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', url: 'data:image/png;base64,AAAA', detail: 'low' },
          ],
        },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'get', arguments: '{"q":1}' }] },
        { role: 'tool', toolCallId: 'call_1', content: 'result' },
        { role: 'assistant', content: 'xy' },
      ],
      tools: [{ name: 'get', description: 'd', parameters: { type: 'object' }, strict: true }],
      toolChoice: { name: 'get' },
      parallelToolCalls: false,
      responseFormat: { type: 'json_schema', name: 's', schema: { type: 'object' }, strict: true },
      maxTokens: 40,
      stop: ['END'],
      n: 2,
      seed: 7,
      user: 'u1',
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      temperature: 0.2,
      topP: 0.9,
    });
  });

  it('treats null optional fields as absent and falls back to max_tokens', () => {
    const parsed = parseChatRequest({ model: 'm', messages: [user], temperature: null, stop: null, tools: null, max_tokens: 9, user: null });
    assert.deepEqual(parsed.request, { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], maxTokens: 9 });
  });

  it('accepts tool_choice strings and response_format json_object', () => {
    const parsed = parseChatRequest({ model: 'm', messages: [user], tool_choice: 'required', response_format: { type: 'json_object' } });
    assert.equal(parsed.request.toolChoice, 'required');
    assert.deepEqual(parsed.request.responseFormat, { type: 'json_object' });
  });

  it('names the missing or mistyped field', () => {
    fails({ messages: [user] }, 'invalid_request', 'model', /is required/);
    fails({ model: 3, messages: [user] }, 'invalid_request', 'model');
    fails({ model: 'm' }, 'invalid_request', 'messages', /is required/);
    fails({ model: 'm', messages: [] }, 'invalid_request', 'messages');
    fails({ model: 'm', messages: 'hi' }, 'invalid_request', 'messages');
    fails({ model: 'm', messages: [user, { role: 'user', content: 5 }] }, 'invalid_request', 'messages[1].content', /must be a string or an array of content parts/);
    fails({ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, 'invalid_request', 'messages[0].role');
    fails({ model: 'm', messages: [{ content: 'x' }] }, 'invalid_request', 'messages[0].role', /is required/);
    fails({ model: 'm', messages: [{ role: 'user', content: [{ type: 'video' }] }] }, 'invalid_request', 'messages[0].content[0].type');
    fails({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'invalid_request', 'messages[0].content[0].image_url.url');
    fails({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'invalid_request', 'messages[0].tool_call_id');
    fails(
      { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: {} } }] }] },
      'invalid_request',
      'messages[0].tool_calls[0].function.arguments',
    );
    // An object whose own toString is no function (String() on it throws): a 400, not our 500.
    fails(
      { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: { toString: 1 }, function: { name: 'f', arguments: '{}' } }] }] },
      'invalid_request',
      'messages[0].tool_calls[0].type',
    );
    fails({ model: 'm', messages: [user], temperature: 3 }, 'invalid_request', 'temperature', /between 0 and 2/);
    fails({ model: 'm', messages: [user], temperature: 'hot' }, 'invalid_request', 'temperature');
    fails({ model: 'm', messages: [user], max_tokens: 1.5 }, 'invalid_request', 'max_tokens');
    fails({ model: 'm', messages: [user], max_completion_tokens: 0 }, 'invalid_request', 'max_completion_tokens');
    fails({ model: 'm', messages: [user], stop: ['a', 'b', 'c', 'd', 'e'] }, 'invalid_request', 'stop');
    fails({ model: 'm', messages: [user], stop: [1] }, 'invalid_request', 'stop[0]');
    fails({ model: 'm', messages: [user], tools: [{ type: 'function', function: {} }] }, 'invalid_request', 'tools[0].function.name');
    fails({ model: 'm', messages: [user], tool_choice: 'maybe' }, 'invalid_request', 'tool_choice');
    fails({ model: 'm', messages: [user], response_format: { type: 'xml' } }, 'invalid_request', 'response_format.type');
    fails({ model: 'm', messages: [user], response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, 'invalid_request', 'response_format.json_schema.schema');
    fails({ model: 'm', messages: [user], stream: 'yes' }, 'invalid_request', 'stream');
    fails({ model: 'm', messages: [user], stream_options: { include_usage: 1 } }, 'invalid_request', 'stream_options.include_usage');
    fails({ model: 'm', messages: [user], n: 0 }, 'invalid_request', 'n');
  });

  it('keeps the fields it does not interpret as native fields, reasoning_effort as the reasoning control', () => {
    const native = { logprobs: true, top_logprobs: 2, prediction: { type: 'content', content: 'x' }, logit_bias: { '50256': -100 }, service_tier: 'flex', store: true, future_field: 1 };
    const parsed = parseChatRequest({ model: 'm', messages: [user], reasoning_effort: 'high', metadata: null, ...native });
    assert.deepEqual(parsed.nativeFields, native);
    assert.deepEqual(parsed.request.reasoning, { effort: 'high' });
    fails({ model: 'm', messages: [user], reasoning_effort: 'extreme' }, 'invalid_request', 'reasoning_effort');
  });

  it('refuses what no vendor can answer through the gateway, naming it', () => {
    fails({ model: 'm', messages: [user], functions: [{ name: 'f' }] }, 'unsupported_feature', 'functions');
    fails({ model: 'm', messages: [user], function_call: 'auto' }, 'unsupported_feature', 'function_call');
    fails({ model: 'm', messages: [user], audio: { voice: 'alloy', format: 'wav' } }, 'unsupported_feature', 'audio');
    fails({ model: 'm', messages: [user], modalities: ['text', 'audio'] }, 'unsupported_feature', 'modalities');
    fails({ model: 'm', messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'unsupported_feature', 'messages[0].role');
    fails({ model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, 'unsupported_feature', 'messages[0].content[0].type');
    fails({ model: 'm', messages: [user], tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'unsupported_feature', 'tools[0].type');
  });

  it('accepts the harmless defaults of those fields', () => {
    const parsed = parseChatRequest({ model: 'm', messages: [user], logprobs: false, modalities: ['text'], logit_bias: {}, functions: [], audio: null });
    assert.equal(parsed.request.model, 'm');
  });
});
