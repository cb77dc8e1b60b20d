-- A route's deadline now covers a whole non-streaming answer (it aborts the attempt in flight), so
-- its default follows the vendors' own SDKs (OpenAI's and Anthropic's time out after 10 minutes)
-- instead of cutting long generations at 60 s. Existing rows keep the value they were given.
alter table public.ai_routes alter column deadline_ms set default 600000;
