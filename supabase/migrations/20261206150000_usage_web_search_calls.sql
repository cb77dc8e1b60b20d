-- Server-side web searches per upstream attempt. A model row whose native_fields rules pass the
-- vendor's web search tool ("tools.web_search": "pass") lets the vendor search the web and bill
-- each search on top of the tokens: Anthropic reports them in usage.server_tool_use
-- .web_search_requests, the OpenAI Responses API as web_search_call output items. The ledger
-- records that count here, and the row's cost_usd includes count x the `web_search_per_call` price
-- (see docs/usage.md). Rows written before this migration read 0 (their searches were not counted).
-- The hourly rollups are unchanged: their cost sum includes the searches' price.
--
-- A constant default adds the column without rewriting the table. The check is added `not valid`:
-- every existing row holds the default 0, and validating would scan the whole ledger under this
-- transaction's exclusive lock (the gateway's writer waits meanwhile); new rows are checked.
alter table public.ai_usage add column web_search_calls integer not null default 0;
alter table public.ai_usage
  add constraint ai_usage_web_search_calls_check check (web_search_calls >= 0) not valid;
comment on column public.ai_usage.web_search_calls is
  'Server-side web searches the vendor ran and bills per search during this attempt (Anthropic usage.server_tool_use.web_search_requests, Responses web_search_call items); priced by web_search_per_call in cost_usd.';
