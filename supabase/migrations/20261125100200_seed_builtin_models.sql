-- Built-in models of the OpenAI, Anthropic and Google providers. Re-runnable like the provider
-- seed: `on conflict (name) do nothing` never overwrites a row a user edited, and a model whose
-- provider row was deleted is skipped (the join finds no provider).
--
-- pricing is USD per million tokens: input, output, and cached input (OpenAI cached input,
-- Anthropic cache reads, Gemini context-cache reads). Prices taken on 2026-11-25 from stored copies
-- of the vendors' pages, read through the project's search tool (not live):
--   developers.openai.com/api/docs/pricing, platform.claude.com/docs (models overview, model pages,
--   pricing), ai.google.dev/gemini-api/docs/pricing; cross-checked against third-party price tables.
-- Gemini 2.5 Pro has a second tier for prompts over 200k tokens ($2.50 in / $15 out); the row
-- holds the first tier, which most requests pay. Anthropic cache writes cost more than base input
-- and are not modelled here.
-- context_window is the model's whole window in tokens; max_tokens is its largest output
-- (null for embedding models, which produce none). Anthropic model_id values are the API aliases.

insert into public.ai_models (
  name, display_name, provider_id, model_id, context_window, max_tokens, pricing, features
)
select seed.name, seed.display_name, provider.id, seed.model_id, seed.context_window, seed.max_tokens,
       seed.pricing::jsonb, seed.features::jsonb
  from (values
    -- OpenAI
    ('gpt-4o', 'GPT-4o', 'openai', 'gpt-4o', 128000, 16384,
     '{"input_per_mtok": 2.50, "output_per_mtok": 10.00, "cached_input_per_mtok": 1.25}', 'chat-vision'),
    ('gpt-4o-mini', 'GPT-4o mini', 'openai', 'gpt-4o-mini', 128000, 16384,
     '{"input_per_mtok": 0.15, "output_per_mtok": 0.60, "cached_input_per_mtok": 0.075}', 'chat-vision'),
    ('gpt-4.1', 'GPT-4.1', 'openai', 'gpt-4.1', 1047576, 32768,
     '{"input_per_mtok": 2.00, "output_per_mtok": 8.00, "cached_input_per_mtok": 0.50}', 'chat-vision'),
    ('gpt-4.1-mini', 'GPT-4.1 mini', 'openai', 'gpt-4.1-mini', 1047576, 32768,
     '{"input_per_mtok": 0.40, "output_per_mtok": 1.60, "cached_input_per_mtok": 0.10}', 'chat-vision'),
    ('gpt-5', 'GPT-5', 'openai', 'gpt-5', 400000, 128000,
     '{"input_per_mtok": 1.25, "output_per_mtok": 10.00, "cached_input_per_mtok": 0.125}', 'chat-vision'),
    ('gpt-5-mini', 'GPT-5 mini', 'openai', 'gpt-5-mini', 400000, 128000,
     '{"input_per_mtok": 0.25, "output_per_mtok": 2.00, "cached_input_per_mtok": 0.025}', 'chat-vision'),
    ('text-embedding-3-small', 'OpenAI text-embedding-3-small', 'openai', 'text-embedding-3-small', 8191, null,
     '{"input_per_mtok": 0.02, "output_per_mtok": 0}', 'embedding'),
    ('text-embedding-3-large', 'OpenAI text-embedding-3-large', 'openai', 'text-embedding-3-large', 8191, null,
     '{"input_per_mtok": 0.13, "output_per_mtok": 0}', 'embedding'),
    -- Anthropic (Messages API; no JSON mode, no embeddings)
    ('claude-opus-5-5', 'Claude Opus 5.5', 'anthropic', 'claude-opus-5-5', 1000000, 128000,
     '{"input_per_mtok": 4.00, "output_per_mtok": 20.00, "cached_input_per_mtok": 0.20}', 'chat-vision-no-json'),
    ('claude-sonnet-5-5', 'Claude Sonnet 5.5', 'anthropic', 'claude-sonnet-5-5', 1000000, 128000,
     '{"input_per_mtok": 2.00, "output_per_mtok": 10.00, "cached_input_per_mtok": 0.10}', 'chat-vision-no-json'),
    ('claude-sonnet-4-5', 'Claude Sonnet 4.5', 'anthropic', 'claude-sonnet-4-5', 200000, 64000,
     '{"input_per_mtok": 3.00, "output_per_mtok": 15.00, "cached_input_per_mtok": 0.30}', 'chat-vision-no-json'),
    ('claude-haiku-4-5', 'Claude Haiku 4.5', 'anthropic', 'claude-haiku-4-5', 200000, 64000,
     '{"input_per_mtok": 1.00, "output_per_mtok": 5.00, "cached_input_per_mtok": 0.10}', 'chat-vision-no-json'),
    ('claude-opus-4-1', 'Claude Opus 4.1', 'anthropic', 'claude-opus-4-1', 200000, 32000,
     '{"input_per_mtok": 15.00, "output_per_mtok": 75.00, "cached_input_per_mtok": 1.50}', 'chat-vision-no-json'),
    -- Google (Gemini API)
    ('gemini-2.5-pro', 'Gemini 2.5 Pro', 'google', 'gemini-2.5-pro', 1048576, 65536,
     '{"input_per_mtok": 1.25, "output_per_mtok": 10.00, "cached_input_per_mtok": 0.125}', 'chat-vision'),
    ('gemini-2.5-flash', 'Gemini 2.5 Flash', 'google', 'gemini-2.5-flash', 1048576, 65536,
     '{"input_per_mtok": 0.30, "output_per_mtok": 2.50, "cached_input_per_mtok": 0.03}', 'chat-vision'),
    ('gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', 'google', 'gemini-2.5-flash-lite', 1048576, 65536,
     '{"input_per_mtok": 0.10, "output_per_mtok": 0.40, "cached_input_per_mtok": 0.01}', 'chat-vision'),
    ('gemini-embedding-001', 'Gemini Embedding 001', 'google', 'gemini-embedding-001', 2048, null,
     '{"input_per_mtok": 0.15, "output_per_mtok": 0}', 'embedding')
  ) as seed_row (name, display_name, provider_name, model_id, context_window, max_tokens, pricing, kind)
  cross join lateral (
    select seed_row.*,
           case seed_row.kind
             when 'chat-vision' then
               '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": false}'
             when 'chat-vision-no-json' then
               '{"streaming": true, "tools": true, "vision": true, "json_mode": false, "embeddings": false}'
             else
               '{"streaming": false, "tools": false, "vision": false, "json_mode": false, "embeddings": true}'
           end as features
  ) as seed
  join public.ai_providers provider on provider.name = seed.provider_name
on conflict (name) do nothing;
