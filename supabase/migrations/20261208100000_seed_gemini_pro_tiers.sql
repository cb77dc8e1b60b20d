-- Gemini 2.5 Pro charges more for a prompt over 200,000 tokens: $2.50 input, $15.00 output and
-- $0.25 cached input per million (Google's Gemini API pricing page, read through the project's
-- search tool on 2026-12-08, cross-checked against models.dev's table), against $1.25 / $10.00 /
-- $0.125 below it. The seed held the first tier only; `pricing.tiers` (docs/usage.md, "Long-prompt
-- tiers") now carries the second. Only a row whose pricing is still exactly as seeded gets it: a
-- row the operator edited keeps the operator's prices. The price-history trigger appends the new
-- pricing effective now, so requests already recorded keep the price they were charged.
update public.ai_models m
   set pricing = m.pricing || '{"tiers": [{"above_input_tokens": 200000, "input_per_mtok": 2.50, "output_per_mtok": 15.00, "cached_input_per_mtok": 0.25}]}'::jsonb
  from public.ai_providers p
 where p.id = m.provider_id and p.name = 'google'
   and m.name = 'gemini-2.5-pro' and m.model_id = 'gemini-2.5-pro'
   and m.pricing = '{"input_per_mtok": 1.25, "output_per_mtok": 10.00, "cached_input_per_mtok": 0.125}'::jsonb;
