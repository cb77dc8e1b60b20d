import type { Queryable } from '../db.js';

/** Whether the one-time upgrade `name` has run on this database (`switchboard_upgrades`). */
export async function upgradeDone(tx: Queryable, name: string): Promise<boolean> {
  const result = await tx.query<{ done: boolean }>(`select exists (select 1 from public.switchboard_upgrades where name = $1) as done`, [name]);
  return result.rows[0]?.done === true;
}

/** Records that the one-time upgrade `name` has run (a second call changes nothing). */
export async function markUpgradeDone(tx: Queryable, name: string): Promise<void> {
  await tx.query(`insert into public.switchboard_upgrades (name) values ($1) on conflict (name) do nothing`, [name]);
}
