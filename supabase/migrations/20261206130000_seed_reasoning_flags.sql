-- The seeded GPT-5 rows reason: say so in their features (`features.reasoning: true`), so the
-- gateway asks OpenAI's Responses API for `reasoning.encrypted_content` under the `store: false` it
-- always sends (without it a client replaying a response's reasoning items gets 404 on the next
-- turn). Only rows still as seeded on this point (a row whose `features` already says anything
-- about `reasoning` is the operator's choice and stays).
update public.ai_models m
   set features = m.features || '{"reasoning": true}'::jsonb
  from public.ai_providers p
 where p.id = m.provider_id and p.name = 'openai'
   and m.name in ('gpt-5', 'gpt-5-mini') and m.model_id = m.name
   and not (m.features ? 'reasoning');
