/**
 * A stream cut at the stops its vendor was not sent (stop-cutter.ts). At the first stop the text
 * before it goes out, then a `finish` with `stop` and the usage of what was read, and the upstream
 * is let go (aborted: the vendor stops generating, and billing). The ledger row is a success
 * (UsageAttempt.cutAtStop), with the usage the vendor reported so far or an estimate of what was read.
 *
 * @module
 */
import type { StreamPart, Usage } from '../providers/spec/index.js';
import { UpstreamParts } from '../providers/shared/upstream-parts.js';
import type { ChatInput } from '../usage/estimate-tokens.js';
import { estimateChat } from '../usage/observe-stream.js';
import type { UsageAttempt } from '../usage/usage-attempt.js';
import { StopCutter } from './stop-cutter.js';

/**
 * `inner` (the observed stream) cut at `stops`. `upstream`: the provider's own stream, for the
 * usage it reported before the cut (Anthropic's `message_start`).
 */
export function cutStreamAtStops(
  inner: AsyncIterator<StreamPart>,
  stops: readonly string[],
  request: ChatInput,
  attempt: UsageAttempt | undefined,
  upstream: AsyncIterator<StreamPart>,
): AsyncIterator<StreamPart> {
  const reported = upstream instanceof UpstreamParts ? () => upstream.reportedUsage() : () => undefined;
  return cutParts(inner, new StopCutter(stops), request, attempt, reported);
}

async function* cutParts(
  inner: AsyncIterator<StreamPart>,
  cutter: StopCutter,
  request: ChatInput,
  attempt: UsageAttempt | undefined,
  reported: () => Usage | undefined,
): AsyncGenerator<StreamPart, undefined, undefined> {
  // What the vendor generated until the cut (held text included): the client's usage estimates it.
  const read: string[] = [];
  let open = true;
  try {
    for (;;) {
      const result = await inner.next();
      if (result.done === true) {
        open = false;
        const rest = cutter.flush();
        if (rest !== '') yield { type: 'text-delta', text: rest };
        return undefined;
      }
      const part = result.value;
      if (part.type === 'text-delta' && part.refusal !== true) {
        read.push(part.text);
        const { text, cut } = cutter.push(part.text);
        if (text !== '') yield text === part.text ? part : { ...part, text };
        if (!cut) continue;
        const usage = await usageOfCut(request, read, reported());
        if (attempt) attempt.cutAtStop = true;
        open = false;
        await inner.return?.();
        yield { type: 'finish', finishReason: 'stop', usage };
        return undefined;
      }
      if (part.type === 'finish' || part.type === 'error' || part.type === 'tool-call-delta') {
        const rest = cutter.flush();
        if (rest !== '') yield { type: 'text-delta', text: rest };
      }
      yield part;
    }
  } finally {
    // The client left (return() while a part was out): the upstream goes as any stream's would.
    if (open) await inner.return?.();
  }
}

/** The usage of a cut stream: the vendor's report so far where it has one, else estimated. */
async function usageOfCut(request: ChatInput, read: readonly string[], reported: Usage | undefined): Promise<Usage> {
  const estimated = await estimateChat(request, [read.join('')]);
  const inputTokens = reported !== undefined && reported.inputTokens > 0 ? reported.inputTokens : estimated.input;
  const outputTokens = Math.max(estimated.output, reported?.outputTokens ?? 0);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}
