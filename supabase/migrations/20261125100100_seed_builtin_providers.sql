-- Built-in providers. Re-runnable: a row whose name already exists is left exactly as it is, so a
-- provider a user edited (or deleted and re-created) is never overwritten.
--
-- Not seeded on purpose: `cohere` and `local-llm`, which the seed document's own examples insert.
-- `ollama` needs no key (required_env_vars is empty).

insert into public.ai_providers (
  name, display_name, provider_class, api_base_url, required_env_vars,
  features, auth_header_name, auth_header_prefix, config, is_builtin
) values
  ('openai', 'OpenAI', 'OpenAIProvider', 'https://api.openai.com/v1', '["OPENAI_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": true}',
   'Authorization', 'Bearer', '{}', true),
  ('anthropic', 'Anthropic', 'AnthropicProvider', 'https://api.anthropic.com/v1', '["ANTHROPIC_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": false, "embeddings": false}',
   'x-api-key', '', '{"anthropic_version": "2023-06-01"}', true),
  ('google', 'Google Gemini', 'GoogleProvider', 'https://generativelanguage.googleapis.com/v1beta', '["GEMINI_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": true}',
   'x-goog-api-key', '', '{}', true),
  ('together', 'Together AI', 'CustomProvider', 'https://api.together.xyz/v1', '["TOGETHER_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": true}',
   'Authorization', 'Bearer', '{}', true),
  ('groq', 'Groq', 'CustomProvider', 'https://api.groq.com/openai/v1', '["GROQ_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": false}',
   'Authorization', 'Bearer', '{}', true),
  ('mistral', 'Mistral AI', 'CustomProvider', 'https://api.mistral.ai/v1', '["MISTRAL_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": true}',
   'Authorization', 'Bearer', '{}', true),
  ('deepseek', 'DeepSeek', 'CustomProvider', 'https://api.deepseek.com/v1', '["DEEPSEEK_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": false, "json_mode": true, "embeddings": false}',
   'Authorization', 'Bearer', '{}', true),
  ('fireworks', 'Fireworks AI', 'CustomProvider', 'https://api.fireworks.ai/inference/v1', '["FIREWORKS_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": true}',
   'Authorization', 'Bearer', '{}', true),
  ('openrouter', 'OpenRouter', 'CustomProvider', 'https://openrouter.ai/api/v1', '["OPENROUTER_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": false}',
   'Authorization', 'Bearer', '{}', true),
  ('xai', 'xAI', 'CustomProvider', 'https://api.x.ai/v1', '["XAI_API_KEY"]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": false}',
   'Authorization', 'Bearer', '{}', true),
  ('perplexity', 'Perplexity', 'CustomProvider', 'https://api.perplexity.ai', '["PERPLEXITY_API_KEY"]',
   '{"streaming": true, "tools": false, "vision": false, "json_mode": true, "embeddings": false}',
   'Authorization', 'Bearer', '{}', true),
  ('ollama', 'Ollama (local)', 'CustomProvider', 'http://localhost:11434/v1', '[]',
   '{"streaming": true, "tools": true, "vision": true, "json_mode": true, "embeddings": true}',
   'Authorization', 'Bearer', '{}', true)
on conflict (name) do nothing;
