import { eventJson, type UsageObserver } from '../shared/native-stream.js';
import type { NativeEvent, Usage } from '../spec/index.js';
import { anthropicUsageSchema, type AnthropicUsage } from './anthropic-api.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';

/** The normalized usage of a Messages API JSON answer (zeros when it has none). */
export function anthropicBodyUsage(body: Record<string, unknown>): Usage {
  const parsed = anthropicUsageSchema.safeParse(body['usage']);
  return convertAnthropicUsage(parsed.success ? parsed.data : {});
}

/**
 * Usage of a Messages API stream: `message_start` carries the input counts, each `message_delta`
 * the cumulative output (fields present overwrite, never add).
 */
export function anthropicUsageObserver(): UsageObserver {
  let usage: AnthropicUsage = {};
  let complete = false;
  return {
    observe(event: NativeEvent): void {
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
    usage: () => convertAnthropicUsage(usage),
    complete: () => complete,
  };
}
