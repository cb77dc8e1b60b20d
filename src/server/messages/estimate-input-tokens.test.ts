import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens as referenceCount } from 'gpt-tokenizer/encoding/o200k_base';
import { pinnedProse } from '../../../test/helpers/pinned-texts.js';
import { EXACT_CHARS } from '../../usage/text-sample.js';
import { estimateInputTokens } from './estimate-input-tokens.js';

test('count_tokens estimate: text counted with o200k, images and framing added', async () => {
  const body = {
    system: 'Be brief.',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
      { role: 'assistant', content: 'A gateway.' },
    ],
  };
  const texts = ['Be brief.', 'What is in this picture?', 'A gateway.'];
  assert.equal(await estimateInputTokens(body), 2 * 3 + 1600 + texts.reduce((sum, text) => sum + referenceCount(text), 0));
});

test('count_tokens estimate: a very long body is counted from a sample, within 5%', async () => {
  const doc = pinnedProse().slice(0, 130_000);
  assert.ok(doc.length > EXACT_CHARS);
  const body = { messages: [{ role: 'user', content: doc }] };
  const exact = 3 + referenceCount(doc);
  const estimated = await estimateInputTokens(body);
  assert.ok(Math.abs(estimated - exact) / exact < 0.05, `estimated ${estimated}, exact ${exact}`);
});
