/**
 * Shared setup of the /v1/responses end-to-end tests: the standard test gateway plus a Custom row
 * (an OpenAI-compatible chat server, served through the normalized path), and the five provider
 * classes with the mock that serves each.
 *
 * @module
 */
import type { RecordedRequest } from '../helpers/mock-server.js';
import { MODELS, startTestGateway, type TestGateway, type TestGatewayOptions } from '../helpers/gateway.js';

/** The Custom row's public model name (CustomProvider → the OpenAI mock's chat completions). */
export const CUSTOM_MODEL = 'e2e-custom-chat';
/** An OpenAI model (native path) whose row caps output at 100 tokens. */
export const GPT_SMALL_MODEL = 'e2e-gpt-small';
/** An Anthropic model whose row allows room for a thinking budget (e2e-claude's 1024 does not). */
export const CLAUDE_THINKING_MODEL = 'e2e-claude-thinking';

/** The test gateway with the Custom row loaded. */
export async function startResponsesGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const t = await startTestGateway(options);
  await t.db.query(
    `insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars)
     values ('e2e-custom', 'CustomProvider', $1, '["E2E_OPENAI_API_KEY"]'::jsonb)`,
    [t.openai.baseUrl],
  );
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id)
     select $1, id, 'gpt-4o-mini' from public.ai_providers where name = 'e2e-custom'`,
    [CUSTOM_MODEL],
  );
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id, max_tokens)
     select $1, id, 'claude-test-1', 32000 from public.ai_providers where name = 'e2e-anthropic'`,
    [CLAUDE_THINKING_MODEL],
  );
  await t.db.query(
    `insert into public.ai_models (name, provider_id, model_id, max_tokens)
     select $1, id, 'gpt-4o-mini', 100 from public.ai_providers where name = 'e2e-openai'`,
    [GPT_SMALL_MODEL],
  );
  await t.watcher.refresh();
  return t;
}

/** A provider class, its model and the mock requests it makes. */
export interface ServedBy {
  vendor: string;
  model: string;
  /** Requests the serving mock received (a fresh array view each call). */
  requests(t: TestGateway): RecordedRequest[];
  /** The upstream path it is called on. */
  path: RegExp;
  /** Served on the vendor's own Responses API (the answer is the vendor's, passed through). */
  native?: boolean;
  /** The model to ask for reasoning (defaults to `model`). */
  reasoningModel?: string;
  /** How `reasoning.effort: 'low'` looks in the vendor's request. */
  effortLow: RegExp;
  /** The mock shows reasoning text for it (a `reasoning` output item comes back). */
  showsReasoning: boolean;
}

export const SERVED_BY: readonly ServedBy[] = [
  {
    vendor: 'OpenAI (native /v1/responses)',
    model: MODELS.openai,
    requests: (t) => t.openai.requests,
    path: /\/responses$/,
    native: true,
    effortLow: /"reasoning":\{"effort":"low"\}/,
    showsReasoning: true,
  },
  {
    vendor: 'Anthropic',
    model: MODELS.anthropic,
    reasoningModel: CLAUDE_THINKING_MODEL,
    requests: (t) => t.anthropic.requests,
    path: /\/messages$/,
    effortLow: /"thinking":\{"type":"enabled","budget_tokens":2048\}/,
    showsReasoning: true,
  },
  {
    vendor: 'Gemini',
    model: MODELS.google,
    requests: (t) => t.google.requests,
    path: /generateContent/i,
    effortLow: /"thinkingConfig":\{"thinkingBudget":2048,"includeThoughts":true\}/,
    showsReasoning: true,
  },
  {
    vendor: 'Cohere',
    model: MODELS.cohere,
    requests: (t) => t.cohere.requests,
    path: /\/chat$/,
    effortLow: /"thinking":\{"type":"enabled","token_budget":2048\}/,
    showsReasoning: false,
  },
  {
    vendor: 'Custom',
    model: CUSTOM_MODEL,
    requests: (t) => t.openai.requests,
    path: /\/chat\/completions$/,
    effortLow: /"reasoning_effort":"low"/,
    showsReasoning: false,
  },
];

/** The body of the last request the serving mock received, as JSON text. */
export function lastUpstream(t: TestGateway, served: ServedBy): { url: string; text: string; body: unknown } {
  const requests = served.requests(t);
  const last = requests[requests.length - 1];
  if (last === undefined) throw new Error(`${served.vendor}: no upstream request`);
  return { url: last.url, text: JSON.stringify(last.body), body: last.body };
}
