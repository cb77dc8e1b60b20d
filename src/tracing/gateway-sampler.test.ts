import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace-base';
import { ClientTraceSampler, gatewaySampler } from './gateway-sampler.js';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

function under(flags: TraceFlags, isRemote: boolean, traceId = hex(16)): { context: Context; traceId: string } {
  return { context: trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: hex(8), traceFlags: flags, isRemote }), traceId };
}

function kept(sampler: Sampler, context: Context, traceId: string): boolean {
  return sampler.shouldSample(context, traceId, 'span', SpanKind.SERVER, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED;
}

describe('gatewaySampler', () => {
  it("decides a client's trace by its own ratio, not the client's flag", () => {
    const none = gatewaySampler(0, false);
    const all = gatewaySampler(1, false);
    const sampled = under(TraceFlags.SAMPLED, true);
    const unsampled = under(TraceFlags.NONE, true);
    assert.equal(kept(none, sampled.context, sampled.traceId), false, '-01 under ratio 0');
    assert.equal(kept(all, unsampled.context, unsampled.traceId), true, '-00 under ratio 1');
    assert.equal(kept(none, ROOT_CONTEXT, hex(16)), false);
    assert.equal(kept(all, ROOT_CONTEXT, hex(16)), true);
  });

  it("follows a client's flag when trusted, and a local parent always", () => {
    const trusting = gatewaySampler(0, true);
    const sampled = under(TraceFlags.SAMPLED, true);
    assert.equal(kept(trusting, sampled.context, sampled.traceId), true);
    const unsampled = under(TraceFlags.NONE, true);
    assert.equal(kept(gatewaySampler(1, true), unsampled.context, unsampled.traceId), false);
    for (const trust of [false, true]) {
      const local = under(TraceFlags.SAMPLED, false);
      assert.equal(kept(gatewaySampler(0, trust), local.context, local.traceId), true, 'an attempt under a kept server span');
      const dropped = under(TraceFlags.NONE, false);
      assert.equal(kept(gatewaySampler(1, trust), dropped.context, dropped.traceId), false, 'an attempt under a dropped server span');
    }
  });

  it('a client cannot choose trace ids that are always kept; one id always gets the same answer', () => {
    // Ids whose hex words XOR to 0: the SDK's ratio rule keeps every one of them at any ratio > 0.
    const crafted = Array.from({ length: 2000 }, () => {
      const a = hex(4);
      const b = hex(4);
      return `${a}${a}${b}${b}`;
    });
    const sdk = new TraceIdRatioBasedSampler(0.1);
    assert.equal(crafted.filter((id) => kept(sdk, ROOT_CONTEXT, id)).length, crafted.length);
    const ours = gatewaySampler(0.1, false);
    const decide = (id: string): boolean => kept(ours, under(TraceFlags.SAMPLED, true, id).context, id);
    const count = crafted.filter(decide).length;
    assert.ok(count > 100 && count < 320, `about 10% of 2000 kept: ${count}`);
    for (const id of crafted.slice(0, 50)) assert.equal(decide(id), decide(id));
    assert.match(new ClientTraceSampler(2).toString(), /\{1\}/, 'the ratio is clamped to 0..1');
  });
});
