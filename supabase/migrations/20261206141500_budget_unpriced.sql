-- A USD budget can refuse calls to models with no price in force. Such a call costs 0 in the
-- ledger, so a budget does not bound it: right for self-hosted models that are free, wrong for a
-- model whose price an admin forgot or that expired. 'allow' (the default) keeps the old behaviour;
-- 'refuse' makes admission answer 403 for a call this budget applies to when the model it would be
-- served by has no price in force at the call's time (a route moves on to its next target).
alter table public.ai_budgets
  add column unpriced text not null default 'allow' check (unpriced in ('allow', 'refuse'));
comment on column public.ai_budgets.unpriced is
  'allow: a call to a model with no price in force is admitted and costs 0 against the budget; refuse: it is refused (403 model_not_allowed). See docs/governance.md.';
