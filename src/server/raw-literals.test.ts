import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RAW_MIN_BYTES } from '../providers/shared/raw-json.js';
import { encodeBody } from '../providers/shared/request-body.js';
import { rawJsonOf } from './raw-literals.js';

const long = (seed: string): string => `${seed} ${'lorem ipsum dolor '.repeat(Math.ceil(RAW_MIN_BYTES / 18))}`;
const mapOf = (text: string): Map<string, string> | undefined => {
  const bytes = Buffer.from(text, 'utf8');
  const map = rawJsonOf(bytes, JSON.parse(text))?.take();
  return map && new Map([...map].map(([value, literal]) => [value, literal.toString('utf8')]));
};

test('maps each long string to its literal as the client wrote it, escapes and all', () => {
  const a = `${long('a')}\n"quoted" é 🙂 \\ tab\t`;
  const b = long('b');
  // The client escapes some characters its own way (\u00e9, \/): the literal keeps them.
  const literalA = JSON.stringify(a).replace('é', '\\u00e9');
  const text = `{"model":"m","messages":[{"role":"system","content":"short"},{"role":"user","content":[{"type":"text","text":${literalA}},{"type":"text","text":${JSON.stringify(b)}}]}],"x":{"k\\/ey":${JSON.stringify(b)}}}`;
  const map = mapOf(text);
  assert.deepEqual(map, new Map([[a, literalA], [b, JSON.stringify(b)]]));
  for (const [value, literal] of map ?? []) assert.equal(JSON.parse(literal), value);
});

test('short strings, keys and short bodies are left out', () => {
  assert.equal(mapOf('{"model":"m","messages":[{"role":"user","content":"hi"}]}'), undefined);
  const bigKey = `{"${'k'.repeat(RAW_MIN_BYTES)}":1,"pad":"${'x'.repeat(100)}"}`;
  assert.equal(mapOf(bigKey), undefined);
});

test('a duplicate key or a __proto__ key turns the map off for the body', () => {
  const a = long('first');
  const b = long('second');
  // JSON.parse keeps the last duplicate: a path to the first would name the second's value.
  assert.equal(mapOf(`{"messages":[{"content":${JSON.stringify(a)}}],"messages":[{"content":${JSON.stringify(b)}}]}`), undefined);
  assert.equal(mapOf(`{"m":{"content":${JSON.stringify(a)},"content":${JSON.stringify(b)}}}`), undefined);
  assert.equal(mapOf(`{"__proto__":{"content":${JSON.stringify(a)}}}`), undefined);
  // An escaped spelling of a duplicate is a duplicate too.
  assert.equal(mapOf(`{"m":{"content":${JSON.stringify(a)},"\\u0063ontent":${JSON.stringify(b)}}}`), undefined);
  // The same key in two objects is not a duplicate.
  assert.equal(mapOf(`[{"content":${JSON.stringify(a)}},{"content":${JSON.stringify(b)}}]`.replace(/^/, '{"l":').concat('}'))?.size, 2);
});

test('random bodies: every mapped literal parses to its value', () => {
  let seed = 7;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const pieces = ['a', 'é', '"', '\\', '\n', '🙂', '\u0000', '東京', ' ', '}', '[', ',', ':'];
  const text = (): string => Array.from({ length: 20 + Math.floor(random() * 40) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
  for (let round = 0; round < 50; round++) {
    const messages = Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({ role: 'user', content: random() < 0.5 ? text() : text().repeat(600) }));
    const body = { model: 'm', messages, meta: { [text()]: text().repeat(random() < 0.5 ? 1 : 700) } };
    const json = JSON.stringify(body);
    const map = rawJsonOf(Buffer.from(json, 'utf8'), JSON.parse(json))?.take();
    const longOnes = [...messages.map((message) => message.content), ...Object.values(body.meta)].filter((value) => Buffer.byteLength(JSON.stringify(value)) >= RAW_MIN_BYTES);
    assert.equal(map?.size ?? 0, new Set(longOnes).size);
    for (const [value, literal] of map ?? []) assert.equal(JSON.parse(literal.toString('utf8')), value);
  }
});

test('a literal with bytes that are not UTF-8 is left out (they were read as U+FFFD)', () => {
  const good = long('good');
  const bytes = Buffer.concat([Buffer.from(`{"a":${JSON.stringify(good)},"b":"${long('bad')}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  const parsed = JSON.parse(bytes.toString('utf8')) as { b: string };
  assert.ok(parsed.b.endsWith('\ufffd\ufffd'));
  const map = rawJsonOf(bytes, parsed)?.take();
  assert.deepEqual([...(map?.keys() ?? [])], [good]);
});

test('taken once', () => {
  const text = `{"content":${JSON.stringify(long('x'))}}`;
  const raw = rawJsonOf(Buffer.from(text), JSON.parse(text));
  assert.equal(raw?.take()?.size, 1);
  assert.equal(raw?.take(), undefined);
});

/** The bytes undici would send for an encoded body. */
function sentBytes(body: unknown): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  return Buffer.concat([...(body as Iterable<Buffer>)]);
}

test("the client's long strings are written as it sent them, the rest as JSON.stringify does", () => {
  const prompt = `résumé "quoted" \\ 🙂\n${'context '.repeat(RAW_MIN_BYTES / 4)}`;
  const other = 'word '.repeat(RAW_MIN_BYTES / 2);
  // The client's spelling: é as \u00e9 (JSON.stringify would write é).
  const clientLiteral = JSON.stringify(prompt).replaceAll('é', '\\u00e9');
  const clientText = `{"model":"public","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":${clientLiteral}}],"user":${JSON.stringify(other)}}`;
  const parsed = JSON.parse(clientText) as { messages: Array<{ role: string; content: string }>; user: string };
  const raw = rawJsonOf(Buffer.from(clientText, 'utf8'), parsed);
  // The provider's body: another model, the messages reshaped, a string changed on the way.
  const upstream = { model: 'vendor-model', messages: parsed.messages.map((message) => ({ role: message.role, content: message.content })), user: `${parsed.user}!`, stream: true };
  const encoded = encodeBody({ authorization: 'Bearer k' }, upstream, raw);
  const bytes = sentBytes(encoded.body);
  assert.deepEqual(JSON.parse(bytes.toString('utf8')), upstream);
  assert.ok(bytes.includes(Buffer.from(clientLiteral, 'utf8')), "the client's literal is in the body as it came");
  assert.equal(encoded.headers['content-length'], String(bytes.length));
  // Taken once: a second body (a retry) is plain JSON.stringify.
  const again = sentBytes(encodeBody({}, upstream, raw).body);
  assert.equal(again.toString('utf8'), JSON.stringify(upstream));
});
