// The Anthropic SDK's helpers served by other vendors: structured output (messages.parse, stream
// with output_config.format), the beta namespace (`?beta=true`) and the tool runner (which needs
// `thread` refused in the shape it recognizes).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { MODELS, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { addMessagesModels, anthropicClient } from '../helpers/messages-gateway.js';

let t: TestGateway;
let claude: Anthropic;
before(async () => {
  t = await startTestGateway();
  await addMessagesModels(t);
  claude = anthropicClient(t);
});
after(async () => {
  await t.close();
});

describe('Anthropic SDK messages.parse / stream with output_config.format', () => {
  for (const model of [MODELS.google]) {
    it(`parses via ${model}`, async () => {
      const format = zodOutputFormat(z.object({ echo: z.string() }));
      const message = await claude.messages.parse({ model, max_tokens: 200, messages: [{ role: 'user', content: 'hi' }], output_config: { format } });
      assert.equal(typeof message.parsed_output?.echo, 'string');
      const final = await claude.messages.stream({ model, max_tokens: 200, messages: [{ role: 'user', content: 'hi' }], output_config: { format } }).finalMessage();
      assert.equal(typeof (final as { parsed_output?: { echo?: string } }).parsed_output?.echo, 'string');
    });
  }
});

describe('beta namespace', () => {
  for (const model of [MODELS.openai, MODELS.anthropic]) {
    it(`beta.messages.create / stream / countTokens via ${model}`, async () => {
      const message = await claude.beta.messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], betas: ['interleaved-thinking-2025-05-14'] });
      assert.deepEqual(message.content.map((block) => block.type === 'text' && block.text), ['Echo: hi']);
      const final = await claude.beta.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
      assert.deepEqual(final.content.map((block) => block.type === 'text' && block.text), ['Echo: hi']);
      const counted = await claude.beta.messages.countTokens({ model, messages: [{ role: 'user', content: 'hi' }] });
      assert.ok(counted.input_tokens > 0);
    });
  }

  for (const model of [MODELS.openai, MODELS.google]) {
    it(`beta tool runner (the SDK threads by default) round trip via ${model}`, async () => {
      const runner = claude.beta.messages.toolRunner({
        model,
        max_tokens: 100,
        messages: [{ role: 'user', content: 'weather' }],
        tools: [
          {
            name: 'lookup',
            description: 'Looks things up',
            input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
            run: (input: unknown) => `result for ${(input as { query: string }).query}`,
          } as never,
        ],
        max_iterations: 3,
      });
      const final = await runner;
      assert.deepEqual(final.content.map((block) => block.type === 'text' && block.text), ['Echo: result for weather']);
    });
  }
});
