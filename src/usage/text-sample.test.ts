import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinnedCode, pinnedMessages, pinnedProse } from '../../test/helpers/pinned-texts.js';
import { boundedCount, EXACT_CHARS, SAMPLE_WINDOWS, sampleTexts, WINDOW_CHARS } from './text-sample.js';
import { type CountTokens, o200kCounter } from './tokenizer/count-tokens.js';

/** A counter that records the characters it was given, counting one token per four (fractions kept). */
function spyCounter(): { count: CountTokens; seen: number[] } {
  const seen: number[] = [];
  const count: CountTokens = (texts) => {
    const chars = texts.reduce((sum, text) => sum + text.length, 0);
    seen.push(chars);
    return chars / 4;
  };
  return { count, seen };
}

test('texts up to EXACT_CHARS are counted whole, longer ones from a bounded sample', () => {
  const short = spyCounter();
  const texts = ['a'.repeat(EXACT_CHARS - 10), 'b'.repeat(10)];
  assert.equal(boundedCount(short.count, texts), EXACT_CHARS / 4);
  assert.deepEqual(short.seen, [EXACT_CHARS]);

  for (const chars of [EXACT_CHARS + 1, 200_000, 5_000_000]) {
    const long = spyCounter();
    const text = 'word '.repeat(Math.ceil(chars / 5)).slice(0, chars);
    const tokens = boundedCount(long.count, [text.slice(0, 1000), text.slice(1000)]);
    assert.equal(long.seen.length, 1);
    assert.ok(long.seen[0]! <= SAMPLE_WINDOWS * WINDOW_CHARS, `${chars} characters: the counter saw ${long.seen[0]}`);
    // Scaled back to the whole by bytes: one token per four characters of ASCII, give or take rounding.
    assert.ok(Math.abs(tokens - chars / 4) <= 2, `${chars} characters: ${tokens} tokens`);
  }
});

test('sample windows start and end at whitespace, never inside a word', () => {
  const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda '.repeat(800);
  const { pieces } = sampleTexts([words], words.length, SAMPLE_WINDOWS, WINDOW_CHARS);
  assert.equal(pieces.length, SAMPLE_WINDOWS);
  for (const piece of pieces) {
    assert.ok(piece.length > WINDOW_CHARS - 2 * 32 && piece.length <= WINDOW_CHARS, `${piece.length} characters`);
    // From the whitespace before a word (or the text's start) to a word's end.
    assert.match(piece, /^(\s|alpha)/);
    assert.match(piece, /[a-z]$/);
  }
  // Text without whitespace nearby is cut where the window falls.
  const dense = 'x'.repeat(50_000);
  assert.ok(sampleTexts([dense], dense.length, SAMPLE_WINDOWS, WINDOW_CHARS).pieces.every((piece) => piece.length === WINDOW_CHARS));
});

// The windows fall at random places, so a slice's error is a draw: on a 64 K slice of prose, 20,000
// draws spread from −4.8% to +4.2% (0.1% and 99.9% quantiles −3.8% and +3.1%), and one CI run in
// many drew −5.1%. A hard 5% bound on every slice of every run was a flaky test; this one allows
// two of the ~100 slices past 5%, none past 8%, and keeps the mean within 1% (no bias).
test('a sampled count is within 5% of the exact one on real prose, code, JSON and mixed scripts', async () => {
  const count = await o200kCounter();
  const mixed = 'Résumé: 東京で会いましょう。Привет, мир! 🙂 ünïcödé 1234567890 '.repeat(3_000);
  const texts = { prose: pinnedProse(), code: pinnedCode(), japanese: pinnedMessages('ja'), russian: pinnedMessages('ru'), korean: pinnedMessages('ko'), mixed };
  let slices = 0;
  let sum = 0;
  const over: string[] = [];
  for (const [name, text] of Object.entries(texts)) {
    for (const size of [20_000, 65_536, 131_072]) {
      for (let from = 0; from + size <= text.length && from < 400_000; from += size + 7_919) {
        const slice = text.slice(from, from + size);
        const exact = count([slice]);
        const sampled = boundedCount(count, [slice]);
        const error = (sampled - exact) / exact;
        const where = `${name}, ${size} characters from ${from}: sampled ${sampled}, exact ${exact}`;
        assert.ok(Math.abs(error) < 0.08, where);
        if (Math.abs(error) >= 0.05) over.push(where);
        sum += error;
        slices++;
      }
    }
  }
  assert.ok(slices > 40, `${slices} slices`);
  assert.ok(over.length <= 2, `more than two slices off by 5% or more: ${over.join('; ')}`);
  // Windows cut at whitespace: no bias from words cut in two (that alone made the count ~1.4% high).
  assert.ok(Math.abs(sum / slices) < 0.01, `mean error ${((sum / slices) * 100).toFixed(2)}%`);
});

/**
 * A prompt written against evenly spaced windows: dense text (digits and punctuation, about one
 * token per 1.5 bytes) everywhere except spaces where such windows would fall.
 */
function craftedAgainstFixedWindows(chars: number, windows: number, windowChars: number): string {
  const dense = Array.from({ length: chars }, (_, index) => '7#q!9@z;'[(index * 7919) % 8]).join('');
  const out = dense.split('');
  const step = (chars - windowChars) / (windows - 1);
  for (let window = 0; window < windows; window++) {
    const start = Math.round(window * step);
    for (let index = Math.max(start - 40, 0); index < Math.min(start + windowChars + 40, chars); index++) out[index] = ' ';
  }
  return out.join('');
}

test('a text crafted for fixed window places is not undercounted: the windows fall at random places', async () => {
  const count = await o200kCounter();
  const chars = 120_000;
  const text = craftedAgainstFixedWindows(chars, SAMPLE_WINDOWS, WINDOW_CHARS);
  const exact = count([text]);
  const estimates = Array.from({ length: 15 }, () => boundedCount(count, [text])).sort((a, b) => a - b);
  const median = estimates[7] as number;
  // Fixed places saw spaces only (~1 token per 256 characters); random ones see the text as it is.
  assert.ok(median >= 0.8 * exact && median <= 1.25 * exact, `median ${median} of ${estimates.join(', ')} against ${exact} exact`);
  // Drawn anew for every sample.
  assert.ok(new Set(estimates).size > 1, 'the same estimate every time');
});
