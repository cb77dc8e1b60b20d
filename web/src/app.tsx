import { useEffect, useState } from 'preact/hooks';
import { getToken, onTokenChange, setToken } from './api';
import { startLive, useLiveState } from './events';
import { href, useRoute } from './router';
import { SignIn } from './sign-in';
import { BudgetsPage } from './pages/budgets';
import { HistoryPage } from './pages/history';
import { OverviewPage } from './pages/overview';
import { PlaygroundPage } from './pages/playground';
import { ProjectsPage } from './pages/projects';
import { ProvidersPage } from './pages/providers';
import { RoutingPage } from './pages/routing';
import { UsagePage } from './pages/usage';

const PAGES = [
  { id: 'overview', label: 'Overview', view: OverviewPage },
  { id: 'providers', label: 'Providers & models', view: ProvidersPage },
  { id: 'projects', label: 'Projects & keys', view: ProjectsPage },
  { id: 'usage', label: 'Usage', view: UsagePage },
  { id: 'budgets', label: 'Budgets', view: BudgetsPage },
  { id: 'routing', label: 'Routing', view: RoutingPage },
  { id: 'history', label: 'History', view: HistoryPage },
  { id: 'playground', label: 'Playground', view: PlaygroundPage },
] as const;

export function App() {
  const [signedIn, setSignedIn] = useState(() => getToken() !== null);
  useEffect(() => onTokenChange(() => setSignedIn(getToken() !== null)), []);
  useEffect(() => {
    if (signedIn) startLive();
  }, [signedIn]);
  if (!signedIn) return <SignIn />;
  return <Shell />;
}

function Shell() {
  const route = useRoute();
  const live = useLiveState();
  const page = PAGES.find((candidate) => candidate.id === route.page) ?? PAGES[0];
  useEffect(() => {
    document.title = `${page.label} · Switchboard`;
  }, [page]);
  const View = page.view;
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Switchboard</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((candidate) => (
              <li key={candidate.id}>
                <a href={href(candidate.id)} aria-current={candidate.id === page.id ? 'page' : undefined}>
                  {candidate.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`live live-${live}`} role="status" title="Live updates from /admin/v1/events">
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : live === 'unavailable' ? 'No live feed' : 'Offline'}
        </span>
        <button type="button" class="secondary" onClick={() => setToken(null)}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{page.label}</h1>
        <View params={route.params} />
      </main>
    </div>
  );
}
