/**
 * `GET /models/{name}/prices`: a model's price rows from `ai_price_history`: the one in force, the
 * earlier ones (newest first) and the scheduled ones (soonest first); the same for its provider,
 * whose keys apply where the model's own pricing has none.
 *
 * @module
 */
import type { Queryable } from '../../db/db.js';
import { SwitchboardError } from '../../errors.js';

export interface PriceRow {
  id: string;
  effective_from: Date;
  recorded_at: Date;
  pricing: unknown;
  source: string;
}

export interface PriceTimeline {
  current: PriceRow | null;
  history: PriceRow[];
  scheduled: PriceRow[];
}

export interface ModelPrices extends PriceTimeline {
  model: string;
  provider: ({ name: string } & PriceTimeline) | null;
}

export async function modelPrices(db: Queryable, name: string): Promise<ModelPrices> {
  const model = await db.query<{ id: string; provider_id: string; provider: string | null }>(
    `select m.id, m.provider_id, p.name as provider from public.ai_models m left join public.ai_providers p on p.id = m.provider_id where m.name = $1`,
    [name],
  );
  const row = model.rows[0];
  if (!row) throw new SwitchboardError('not_found', `No model named '${name.slice(0, 200)}'`);
  const result = await db.query<PriceRow & { owner: 'model' | 'provider'; future: boolean }>(
    `select id::text as id, effective_from, recorded_at, pricing, source,
            case when model_id is not null then 'model' else 'provider' end as owner, effective_from > now() as future
       from public.ai_price_history
      where model_id = $1::uuid or provider_id = $2::uuid
      order by effective_from desc, id desc
      limit 2000`,
    [row.id, row.provider_id],
  );
  const timeline = (owner: 'model' | 'provider'): PriceTimeline => {
    const rows = result.rows.filter((price) => price.owner === owner);
    const strip = ({ owner: _owner, future: _future, ...price }: PriceRow & { owner: string; future: boolean }): PriceRow => price;
    const history = rows.filter((price) => !price.future).map(strip);
    return { current: history[0] ?? null, history, scheduled: rows.filter((price) => price.future).reverse().map(strip) };
  };
  return { model: name, ...timeline('model'), provider: row.provider === null ? null : { name: row.provider, ...timeline('provider') } };
}
