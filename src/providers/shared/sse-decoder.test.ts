import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProviderError } from '../../errors.js';
import { SseDecoder } from './sse-decoder.js';
import { defaultUpstreamLimits } from './upstream-limits.js';

interface SseEvent {
  event: string | undefined;
  data: string;
}

/** The events of a body given in `chunks`, through one decoder (throws as the decoder does). */
async function collect(chunks: Iterable<string | Uint8Array>, maxEventBytes = defaultUpstreamLimits.maxEventBytes): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new SseDecoder('p', maxEventBytes);
  const sink = { event: (event: string | undefined, data: string) => void events.push({ event, data }) };
  for (const chunk of chunks) decoder.push(chunk, sink);
  decoder.end(sink);
  return events;
}

/**
 * Runs `run` (synchronous inside: collect awaits nothing) with String.prototype.indexOf counting
 * the characters each call searched: from its start position to the match, or to the string's end.
 */
async function countingIndexOf<T>(run: () => Promise<T>): Promise<{ events: T; searched: number }> {
  const original = String.prototype.indexOf;
  let searched = 0;
  String.prototype.indexOf = function (this: string, search: string, position?: number): number {
    const from = Math.max(0, Math.min(position ?? 0, this.length));
    const found = original.call(this, search, position);
    searched += found === -1 ? this.length - from : found - from + 1;
    return found;
  };
  try {
    const events = run();
    String.prototype.indexOf = original;
    return { events: await events, searched };
  } finally {
    String.prototype.indexOf = original;
  }
}

/** `text` cut into pieces of `size` characters. */
function cut(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let offset = 0; offset < text.length; offset += size) pieces.push(text.slice(offset, offset + size));
  return pieces;
}

/** A generator of `total` characters without any newline, in `size`-character chunks (the attack). */
function* noNewline(total: number, size: number): Generator<string> {
  const piece = 'x'.repeat(size);
  yield 'data: ';
  for (let sent = 0; sent < total; sent += size) yield piece;
}

describe('SseDecoder', () => {
  const body = 'event: a\ndata: one\n\n: comment\ndata: two\ndata:  three\nid: 7\n\ndata: {"x":1}\r\n\r\ndata: cr\r\rdata: last';
  const expected: SseEvent[] = [
    { event: 'a', data: 'one' },
    { event: undefined, data: 'two\n three' },
    { event: undefined, data: '{"x":1}' },
    { event: undefined, data: 'cr' },
    { event: undefined, data: 'last' },
  ];

  test('the same events whatever the chunking (CRLF split across chunks included)', async () => {
    for (const size of [1, 2, 3, 5, 7, 16, body.length]) {
      assert.deepEqual(await collect(cut(body, size)), expected, `chunks of ${size}`);
    }
    // Bytes, with a multi-byte character split between chunks.
    const bytes = Buffer.from('data: héllo ✓\n\n', 'utf8');
    assert.deepEqual(await collect([...bytes].map((byte) => Uint8Array.of(byte))), [{ event: undefined, data: 'héllo ✓' }]);
  });

  test('bytes decode as TextDecoder decodes the whole body, wherever they are cut', async () => {
    // A leading BOM (dropped), characters of 2, 3 and 4 bytes, a lone continuation byte, a
    // truncated sequence and a surrogate's encoding (each replaced by U+FFFD), the last line unended.
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('data: Grüße ✓ 🙂 ', 'utf8'),
      Buffer.from([0x80, 0x20, 0xe2, 0x9c, 0x20, 0xed, 0xa0, 0x80]),
      Buffer.from('\n\ndata: \ufeffkept 🙂', 'utf8'),
    ]);
    const [first = '', second = ''] = new TextDecoder().decode(bytes).split('\n\n');
    const expected = [
      { event: undefined, data: first.slice('data: '.length) },
      { event: undefined, data: second.slice('data: '.length) },
    ];
    assert.equal(expected[1]?.data, '\ufeffkept 🙂', 'a BOM after the start is text');
    for (let one = 0; one <= bytes.length; one += 1) {
      for (const two of [one, one + 1, one + 2, one + 3, bytes.length]) {
        const chunks = [bytes.subarray(0, one), bytes.subarray(one, Math.min(two, bytes.length)), bytes.subarray(Math.min(two, bytes.length))];
        assert.deepEqual(await collect(chunks), expected, `cut at ${one} and ${two}`);
      }
    }
  });

  test('a line over maxEventBytes is a provider_error, also without a newline', async () => {
    for (const chunks of [[`data: ${'y'.repeat(2000)}\n\n`], cut(`data: ${'y'.repeat(2000)}`, 100)]) {
      await assert.rejects(collect(chunks, 1024), (error: unknown) => {
        assert.ok(error instanceof ProviderError);
        assert.equal(error.code, 'provider_error');
        assert.equal(error.status, 502);
        assert.match(error.message, /Provider 'p' sent a stream event longer than 1024 characters \(SWITCHBOARD_UPSTREAM_MAX_EVENT_BYTES\)/);
        return true;
      });
    }
  });

  test('an event of many short data lines over maxEventBytes is a provider_error', async () => {
    const lines = Array.from({ length: 300 }, () => 'data: 0123456789\n').join('');
    await assert.rejects(collect([lines, '\n'], 1024), /longer than 1024 characters/);
    assert.equal((await collect([lines, '\n'], 8192))[0]?.data.length, 300 * 11 - 1);
  });

  test('the default cap (1 MiB) stops a 20 MB line without a newline at once: it reads no further than the cap', async () => {
    let chunks = 0;
    const counted = function* (): Generator<string> {
      for (const chunk of noNewline(20_000_000, 16 * 1024)) {
        chunks += 1;
        yield chunk;
      }
    };
    await assert.rejects(collect(counted()), /longer than 1048576 characters/);
    // 'data: ' and 64 pieces of 16 KiB (1,048,582 characters) pass the cap: the other 1,157 pieces are never pulled.
    assert.equal(chunks, 65);
  });

  test('linear: a 20 MB line arriving in 16 KiB chunks is searched for line ends once per character', async () => {
    // The old parser searched the whole pending buffer again for every chunk: quadratic, about
    // 12,000 characters searched per character of the body here. Counting the characters that
    // indexOf searches measures the work without depending on the machine's speed.
    const chunks = [...noNewline(20_000_000, 16 * 1024), '\n\n'];
    const bodyLength = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const { events, searched } = await countingIndexOf(() => collect(chunks, 64 * 1024 * 1024));
    assert.equal(events.length, 1);
    assert.ok((events[0]?.data.length ?? 0) >= 20_000_000);
    // Each chunk is searched for '\n' and for '\r' once from where its last line ended: twice the body.
    assert.ok(searched <= 2 * bodyLength + 1024, `searched ${searched} characters for a body of ${bodyLength}`);
  });
});
