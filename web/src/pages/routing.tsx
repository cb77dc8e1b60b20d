import { OptionalListPage } from './unavailable-page';

/** Routes, tiers, weights and breaker state (GET /admin/v1/routes; lands with the routing work). */
export function RoutingPage(_props: { params: URLSearchParams }) {
  return <OptionalListPage path="/routes" what="Routing" columns={['name', 'strategy', 'targets', 'is_active', 'breaker']} />;
}
