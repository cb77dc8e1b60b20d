import { eventJson, type UsageObserver } from '../shared/native-stream.js';
import type { NativeEvent, Usage } from '../spec/index.js';
import { anthropicUsageSchema, type AnthropicUsage } from './anthropic-api.js';
import { convertAnthropicUsage, isWebSearchCall } from './convert-anthropic-usage.js';

/** The normalized usage of a Messages API JSON answer (zeros when it has none). */
export function anthropicBodyUsage(body: Record<string, unknown>): Usage {
  const parsed = anthropicUsageSchema.safeParse(body['usage']);
  return convertAnthropicUsage(parsed.success ? parsed.data : {});
}

/**
 * Usage of a Messages API stream: `message_start` carries the input counts, each `message_delta`
 * the cumulative output and server-tool counts (fields present overwrite, never add). Until the
 * final `message_delta` (whose `server_tool_use` is the count billed), the `web_search` server-tool
 * calls seen in `content_block_start` events count the searches of a stream cut short.
 */
export function anthropicUsageObserver(): UsageObserver {
  let usage: AnthropicUsage = {};
  let complete = false;
  let searches = 0;
  return {
    observe(event: NativeEvent): void {
      if (event.event === 'content_block_start') {
        // A few events per answer; only a server-tool call's is parsed.
        if (event.data.includes('"server_tool_use"') && isWebSearchCall(eventJson(event)?.['content_block'])) searches += 1;
        return;
      }
      if (event.event !== 'message_start' && event.event !== 'message_delta') return;
      // The last message_delta's usage is the final one (Anthropic sends one, before message_stop).
      if (event.event === 'message_delta') complete = true;
      const json = eventJson(event);
      const message = json?.['message'];
      const raw = event.event === 'message_start' && typeof message === 'object' && message !== null ? (message as Record<string, unknown>)['usage'] : json?.['usage'];
      const parsed = anthropicUsageSchema.safeParse(raw);
      if (!parsed.success) return;
      const present = Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined && value !== null));
      usage = { ...usage, ...present };
    },
    usage: () => convertAnthropicUsage(usage, complete ? 0 : searches),
    complete: () => complete,
  };
}
