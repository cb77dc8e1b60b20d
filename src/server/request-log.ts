/**
 * The end of a request: its metrics, and its one log line (client text escaped to printable ASCII,
 * bodies only with `config.logBodies`); its trace span ends here too.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { CLIENT_CLOSED_STATUS, type Exchange } from './exchange.js';
import type { GatewayState } from './gateway-state.js';

const round = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * Client text for the log line: printable ASCII as is, any other character as `\uXXXX`. JSON
 * escapes only C0 controls, and `jq -r` or a log viewer turns those back into raw bytes; C1 controls
 * and bidirectional overrides it leaves as they are. Escaped here, none can reach an operator's
 * terminal or rearrange a log line.
 */
function printableAscii(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  return text.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes the request's one log line and records its metrics. Never throws. */
export function finishExchange(state: GatewayState, exchange: Exchange, response: ServerResponse): void {
  try {
    if (exchange.clientGone && !response.writableFinished) exchange.status = CLIENT_CLOSED_STATUS;
    const durationMs = performance.now() - exchange.started;
    const upstreamMs = exchange.upstreamMs;
    const model = exchange.modelKnown && exchange.model !== undefined ? exchange.model : '';
    state.metrics.record({
      route: exchange.route,
      model,
      provider: exchange.provider ?? '',
      status: exchange.status,
      durationMs,
      upstreamMs,
      inputTokens: exchange.inputTokens,
      outputTokens: exchange.outputTokens,
      errorCode: exchange.errorCode,
    });
    if (!state.log) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      request_id: exchange.requestId,
      method: exchange.method,
      route: exchange.route,
      project: exchange.owner?.projectName,
      key_id: exchange.owner?.keyId,
      // A name that resolved is a row's; any other is the client's own text.
      model: exchange.modelKnown || exchange.model === undefined ? exchange.model : printableAscii(exchange.model),
      provider: exchange.provider,
      status: exchange.status,
      duration_ms: round(durationMs),
      upstream_ms: upstreamMs === undefined ? undefined : round(upstreamMs),
      overhead_ms: upstreamMs === undefined ? undefined : round(Math.max(0, durationMs - upstreamMs)),
      input_tokens: exchange.inputTokens || undefined,
      output_tokens: exchange.outputTokens || undefined,
      error_code: exchange.errorCode,
    };
    if (state.config.logBodies) {
      line['request_body'] = exchange.requestBody;
      line['response_text'] = exchange.responseText;
    }
    state.log(line);
  } catch {
    // A failing logger must not take the request (or the process) down.
  } finally {
    exchange.span?.end();
  }
}
