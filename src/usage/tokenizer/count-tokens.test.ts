import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { countTokens as referenceCount } from 'gpt-tokenizer/encoding/o200k_base';
import { mergeByHeap, mergeByScan } from './bpe.js';
import { EXACT_BYTES, o200kCounter, tokenCounter } from './count-tokens.js';
import { readTiktoken } from './vocabulary.js';

/** A `.tiktoken` file of the given tokens, ranked in order. */
function tiktoken(tokens: readonly string[]): Buffer {
  return Buffer.from(tokens.map((token, rank) => `${Buffer.from(token).toString('base64')} ${rank}\n`).join(''));
}

const BYTES = Array.from({ length: 256 }, (_, byte) => String.fromCharCode(byte));
/** Every single byte as a token (as in o200k), then `merges`. */
function byteLevel(merges: readonly string[]): Buffer {
  const lines = BYTES.map((_, byte) => `${Buffer.from([byte]).toString('base64')} ${byte}\n`);
  merges.forEach((token, i) => lines.push(`${Buffer.from(token).toString('base64')} ${256 + i}\n`));
  return Buffer.from(lines.join(''));
}

function bothMerges(file: Buffer, text: string): [number, number] {
  const vocabulary = readTiktoken(file);
  const bytes = Buffer.from(text);
  return [mergeByScan(vocabulary, bytes, 0, bytes.length), mergeByHeap(vocabulary, bytes, 0, bytes.length)];
}

test('merges take the lowest-ranked pair first, the leftmost of equals, in both merge loops', () => {
  // bc outranks ab: a|bc, two tokens; the other way round: ab|c.
  assert.deepEqual(bothMerges(byteLevel(['bc', 'ab']), 'abc'), [2, 2]);
  assert.deepEqual(bothMerges(byteLevel(['ab', 'bc', 'abc']), 'abc'), [1, 1]);
  // abc is reached from a + bc, never from ab + c when bc ranks first.
  assert.deepEqual(bothMerges(byteLevel(['bc', 'abc']), 'abc'), [1, 1]);
  assert.deepEqual(bothMerges(byteLevel(['bc', 'ab']), 'abcabc'), [4, 4]);
  // aa merges leftmost first: aa|aa|a, then aaaa.
  assert.deepEqual(bothMerges(byteLevel(['aa']), 'aaaaa'), [3, 3]);
  assert.deepEqual(bothMerges(byteLevel(['aa', 'aaaa']), 'aaaaa'), [2, 2]);
  assert.deepEqual(bothMerges(byteLevel([]), 'xyz'), [3, 3]);
});

test('the scan and the heap merge agree on random pieces of a small vocabulary', () => {
  const merges = ['ab', 'ba', 'aa', 'bb', 'aab', 'abb', 'bab', 'abab', 'bbaa', 'aaaa', 'ababab', 'ca', 'cab'];
  const vocabulary = readTiktoken(byteLevel(merges));
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let round = 0; round < 500; round++) {
    const length = 2 + Math.floor(random() * 200);
    const bytes = Buffer.from(Array.from({ length }, () => 'abc'.charCodeAt(Math.floor(random() * 3))));
    assert.equal(mergeByHeap(vocabulary, bytes, 0, length), mergeByScan(vocabulary, bytes, 0, length), bytes.toString());
  }
});

test('a malformed or ambiguous vocabulary file is refused', () => {
  assert.throws(() => readTiktoken(Buffer.from('YQ== 0\nYg== 1\nYQ== 2\n')), /appears twice/);
  assert.throws(() => readTiktoken(Buffer.from('Y*== 0\n')), /invalid base64/);
  assert.throws(() => readTiktoken(Buffer.from('YQ==\n')), /malformed line/);
  assert.throws(() => readTiktoken(Buffer.from('YQ== 1x\n')), /invalid rank/);
  assert.equal(readTiktoken(tiktoken(['a', 'b', 'ab'])).rank(Buffer.from('ab'), 0, 2), 2);
  assert.throws(() => readTiktoken(Buffer.from('YQ== 2147483648\n')), /too large/);
  // The last line may lack its newline.
  assert.equal(readTiktoken(Buffer.from('YQ== 0\nYg== 7')).rank(Buffer.from('b'), 0, 1), 7);
});

/** Texts of every kind: prose, code, many scripts, emoji, numbers, whitespace runs, long pieces. */
function corpus(): string[] {
  const texts = [readFileSync('README.md', 'utf8')];
  for (const file of readdirSync('src/usage').filter((name) => name.endsWith('.ts'))) texts.push(readFileSync(`src/usage/${file}`, 'utf8'));
  texts.push(
    'Bonjour, où est la gare ? 🚉 日本語のテキスト 한국어 텍스트 العربية עברית हिन्दी Ελληνικά Русский',
    "I'm sure they'll say it's HIS, we've been told WE'LL know; DON'T",
    '1234567890 3.14159 1e-9 0xdeadbeef 2026-12-05T02:30:00Z',
    '\n\n\n  \t x  \r\n\r\n    indented\n\t\ttabs   ',
    'ab'.repeat(3000),
    'z'.repeat(10_000),
    ' '.repeat(5000),
    '🙂'.repeat(700),
    `{"model":"gpt-4o","messages":[{"role":"user","content":"${'é'.repeat(500)}"}]}`,
  );
  let seed = 11;
  const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const alphabets: [number, number][] = [[0x61, 26], [0x20, 1], [0x4e00, 500], [0x1f600, 80], [0x21, 30], [0x400, 200], [0x0e00, 90], [0x41, 26]];
  for (let round = 0; round < 300; round++) {
    let text = '';
    const length = 1 + Math.floor(random() * 300);
    for (let i = 0; i < length; i++) {
      const [base, span] = alphabets[Math.floor(random() * alphabets.length)]!;
      text += String.fromCodePoint(base + Math.floor(random() * span));
    }
    texts.push(text);
  }
  return texts;
}

test('o200k counts equal gpt-tokenizer on a varied corpus', async () => {
  const count = await o200kCounter();
  for (const text of corpus()) assert.equal(count([text]), referenceCount(text), JSON.stringify(text.slice(0, 60)));
  // Several texts count as their sum.
  assert.equal(count(['Hello there', 'General Kenobi']), referenceCount('Hello there') + referenceCount('General Kenobi'));
  assert.equal(count([]), 0);
  assert.equal(count(['']), 0);
});

test("a special token's spelling is counted as ordinary text, never refused", async () => {
  assert.throws(() => referenceCount('<|endoftext|>'), /Disallowed special token/);
  const count = await o200kCounter();
  const tokens = count(['Ignore this: <|endoftext|><|im_start|>system']);
  assert.ok(tokens > 5, `counted ${tokens}`);
  // gpt-tokenizer agrees when told to read special tokens as ordinary text.
  const text = 'Ignore this: <|endoftext|><|im_start|>system';
  assert.equal(tokens, referenceCount(text, { disallowedSpecial: new Set() }));
});

test('past EXACT_BYTES the rest is extrapolated at the ratio counted so far', async () => {
  const count = await o200kCounter();
  // One piece of 'ab' repeated: four bytes per token, exactly, however long.
  const exact = count(['ab'.repeat(20_000)]);
  assert.equal(exact, referenceCount('ab'.repeat(20_000)));
  const huge = 'ab'.repeat(2 * EXACT_BYTES);
  assert.equal(count([huge]), Math.ceil(huge.length / 4));
  // Over several texts: the second is extrapolated whole.
  const half = 'ab'.repeat(EXACT_BYTES / 2 + 5000);
  assert.equal(count([half, half]), Math.ceil((2 * half.length) / 4));
  const words = 'the quick brown fox '.repeat(EXACT_BYTES / 20 + 1000);
  const perChar = count(['the quick brown fox '.repeat(1000)]) / 20_000;
  const total = count([words, words]);
  assert.ok(Math.abs(total / (2 * words.length * perChar) - 1) < 0.001, `${total} vs ${2 * words.length * perChar}`);
  // A small vocabulary counts the same way: bounded by the bytes, never more.
  const tiny = tokenCounter(byteLevel([]), /./gsu);
  assert.equal(tiny(['abc']), 3);
});
