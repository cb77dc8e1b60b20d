-- `features`, `pricing` and `config` hold at most 64 keys at the top and in `native_fields` (the
-- loader's bound, src/registry/row-schemas.ts `maxJsonKeys`). The admin API and the CLI refuse a
-- larger object and a reload skips such a row with a warning, but plain SQL wrote it all the same
-- and every reload of every instance warned about it again. The database now refuses it too.
-- NOT VALID: rows written before are not checked (the migration never fails on them; the loader
-- still skips them), but any insert or update of a row must satisfy the bound.

-- True when `value` is not an object, or an object of at most `max_keys` keys whose
-- `native_fields`, if an object, has at most `max_keys` keys too.
create or replace function public.switchboard_jsonb_keys_within(value jsonb, max_keys integer) returns boolean
language sql immutable parallel safe
set search_path = ''
as $$
  select case
    when value is null or jsonb_typeof(value) <> 'object' then true
    else (select count(*) from jsonb_object_keys(value)) <= max_keys
      and case
        when jsonb_typeof(value -> 'native_fields') = 'object' then (select count(*) from jsonb_object_keys(value -> 'native_fields')) <= max_keys
        else true
      end
  end
$$;

alter table public.ai_providers
  add constraint ai_providers_features_keys check (public.switchboard_jsonb_keys_within(features, 64)) not valid,
  add constraint ai_providers_pricing_keys check (public.switchboard_jsonb_keys_within(pricing, 64)) not valid,
  add constraint ai_providers_config_keys check (public.switchboard_jsonb_keys_within(config, 64)) not valid;

alter table public.ai_models
  add constraint ai_models_features_keys check (public.switchboard_jsonb_keys_within(features, 64)) not valid,
  add constraint ai_models_pricing_keys check (public.switchboard_jsonb_keys_within(pricing, 64)) not valid;
