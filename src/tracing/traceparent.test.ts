import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTraceparent, parseTraceparent, saneTracestate } from './traceparent.js';

const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
const span = '00f067aa0ba902b7';

describe('traceparent', () => {
  it('parses the specification example', () => {
    assert.deepEqual(parseTraceparent(`00-${trace}-${span}-01`), { traceId: trace, spanId: span, flags: 1 });
    assert.deepEqual(parseTraceparent(`00-${trace}-${span}-00`), { traceId: trace, spanId: span, flags: 0 });
  });

  it('refuses what the specification refuses', () => {
    for (const bad of [
      undefined,
      '',
      `00-${trace}-${span}`,
      `00-${trace}-${span}-01-extra`, // version 00 has no more fields
      `ff-${trace}-${span}-01`,
      `00-${trace.toUpperCase()}-${span}-01`,
      `00-${'0'.repeat(32)}-${span}-01`,
      `00-${trace}-${'0'.repeat(16)}-01`,
      `00-${trace}-${span}-0g`,
      `00_${trace}-${span}-01`,
      `0x-${trace}-${span}-01`,
    ]) {
      assert.equal(parseTraceparent(bad), undefined, String(bad));
    }
    assert.equal(parseTraceparent([`00-${trace}-${span}-01`, `00-${trace}-${span}-01`]), undefined, 'two headers');
  });

  it('reads a later version by its version-00 prefix', () => {
    assert.deepEqual(parseTraceparent(`01-${trace}-${span}-01-what-comes-next`), { traceId: trace, spanId: span, flags: 1 });
    assert.deepEqual(parseTraceparent(`01-${trace}-${span}-01`), { traceId: trace, spanId: span, flags: 1 });
    assert.equal(parseTraceparent(`01-${trace}-${span}-01x`), undefined);
  });

  it('formats what it parses', () => {
    assert.equal(formatTraceparent(trace, span, 1), `00-${trace}-${span}-01`);
    assert.equal(formatTraceparent(trace, span, 0), `00-${trace}-${span}-00`);
    const parsed = parseTraceparent(formatTraceparent(trace, span, 1));
    assert.equal(parsed?.spanId, span);
  });

  it('passes on only a sane tracestate', () => {
    assert.equal(saneTracestate('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'), 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    assert.equal(saneTracestate('a=b\r\nx-injected: 1'), undefined);
    assert.equal(saneTracestate('a='.padEnd(513, 'x')), undefined);
    assert.equal(saneTracestate(['a=b', 'c=d']), undefined);
  });
});
