/**
 * What the `/v1/messages` end-to-end tests add to the test gateway: a CustomProvider row (OpenAI
 * wire format, served by the OpenAI mock), an Anthropic model without an output cap (thinking
 * budgets need max_tokens > 1024), the official Anthropic SDK as the client, raw SSE reading, and
 * the Messages JSON Schema.
 *
 * @module
 */
import Anthropic from '@anthropic-ai/sdk';
import { loadSchemaValidator, type SchemaValidator } from './schema-validator.js';
import { MODELS, type TestGateway } from './gateway.js';

/** Public model names the helper inserts. */
export const MESSAGES_MODELS = {
  custom: 'e2e-custom',
  /** An Anthropic model with no max_tokens cap on its row. */
  claudeBig: 'e2e-claude-big',
} as const;

/** Every provider class, by its public model name. */
export const SERVING_MODELS = [
  ['OpenAI', MODELS.openai],
  ['Anthropic', MODELS.anthropic],
  ['Gemini', MODELS.google],
  ['Cohere', MODELS.cohere],
  ['Custom', MESSAGES_MODELS.custom],
] as const;

/** Inserts the extra rows and reloads the gateway's snapshot. */
export async function addMessagesModels(t: TestGateway): Promise<void> {
  await t.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
     values ('e2e-custom', 'CustomProvider', $1, '["E2E_OPENAI_API_KEY"]'::jsonb)`,
    [t.openai.baseUrl],
  );
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id)
     select $1, p.id, $2 from public.ai_providers p where p.name = $3`,
    [MESSAGES_MODELS.custom, 'gpt-4o-mini', 'e2e-custom'],
  );
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id)
     select $1, p.id, $2 from public.ai_providers p where p.name = $3`,
    [MESSAGES_MODELS.claudeBig, 'claude-test-1', 'e2e-anthropic'],
  );
  await t.watcher.refresh();
}

/** The official Anthropic SDK pointed at the gateway (no retries, so errors surface at once). */
export function anthropicClient(t: TestGateway, options: { apiKey?: string; authToken?: string } = {}): Anthropic {
  const auth = options.authToken !== undefined ? { authToken: options.authToken, apiKey: null } : { apiKey: options.apiKey ?? t.apiKey };
  return new Anthropic({ baseURL: t.origin, ...auth, maxRetries: 0, timeout: 10_000 });
}

/** The Messages schema (hand-written from the SDK's types; see the file's `source`). */
export function messagesSchema(): Promise<SchemaValidator> {
  return loadSchemaValidator(new URL('../conformance/anthropic-messages.schema.json', import.meta.url));
}

/** One SSE event as sent: its name and parsed data. */
export interface RawEvent {
  event: string | undefined;
  data: Record<string, unknown>;
}

/** POSTs `body` to `path` and reads the whole SSE answer as events. */
export async function postSse(t: TestGateway, path: string, body: unknown): Promise<{ status: number; contentType: string | null; events: RawEvent[] }> {
  const response = await fetch(`${t.origin}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': t.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const events: RawEvent[] = [];
  for (const frame of text.split('\n\n')) {
    if (frame.trim() === '') continue;
    let event: string | undefined;
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
  }
  return { status: response.status, contentType: response.headers.get('content-type'), events };
}
