import { OptionalListPage } from './unavailable-page';

/** Budgets and their burn-down (GET /admin/v1/budgets; lands with the governance work). */
export function BudgetsPage(_props: { params: URLSearchParams }) {
  return <OptionalListPage path="/budgets" what="Budgets" columns={['project', 'period', 'limit_usd', 'spent_usd', 'runs_out_at']} />;
}
