import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeLabel } from './metrics-label.js';

test('a label value cannot close its quotes or start a line', () => {
  assert.equal(escapeLabel('a"} 1\nswitchboard_forged 9 \\'), 'a\\"} 1\\nswitchboard_forged 9 \\\\');
  assert.equal(escapeLabel('gpt-4o'), 'gpt-4o');
});
