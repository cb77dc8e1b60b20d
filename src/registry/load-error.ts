/**
 * A configuration row the gateway leaves out of service (or serves other than written), with why:
 * the one list `GET /admin/v1/status` and the dashboard's Overview show. Built when a snapshot or
 * the governance rules load, never per request.
 *
 * @module
 */

export type LoadErrorTable = 'ai_providers' | 'ai_models' | 'ai_price_history' | 'ai_routes' | 'ai_route_targets' | 'projects' | 'api_keys';

export interface LoadError {
  table: LoadErrorTable;
  row_id: string;
  name: string;
  /** Names columns and classes, never a secret's value. */
  reason: string;
}

/**
 * Whether a text[] column was written as a multi-dimensional array (`'{{a,b}}'` in SQL, which the
 * column type allows): the drivers read it as a list of lists, which holds no name at all.
 */
export function isNestedList(values: readonly unknown[]): boolean {
  return values.some((value) => Array.isArray(value));
}
