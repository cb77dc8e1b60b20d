import { useState } from 'preact/hooks';
import { api, ApiError, get } from '../api';
import { CopyButton } from '../components/copy-button';
import { ErrorNotice, Loading, Section } from '../components/notice';
import { RowForm } from '../components/row-form';
import { formatTime } from '../format';
import { href, navigate } from '../router';
import { useData } from '../use-data';
import type { ApiKey, Credential, Project, Provider } from '../types';

interface NewKey {
  id: string;
  key: string;
  project: string;
  name: string | null;
}

export function ProjectsPage({ params }: { params: URLSearchParams }) {
  const projects = useData('projects', () => get<Project[]>('/projects'), ['config']);
  const selected = params.get('project') ?? projects.data?.[0]?.name ?? '';
  const [actionError, setActionError] = useState<ApiError | undefined>(undefined);
  const [newName, setNewName] = useState('');

  const createProject = async (event: Event): Promise<void> => {
    event.preventDefault();
    setActionError(undefined);
    try {
      await api('POST', '/projects', { name: newName.trim() });
      setNewName('');
      projects.reload();
      navigate('projects', { project: newName.trim() });
    } catch (error) {
      setActionError(error instanceof ApiError ? error : new ApiError(0, String(error)));
    }
  };

  return (
    <>
      <Section title="Projects">
        <Loading when={projects.loading && !projects.data} />
        <ErrorNotice error={projects.error} />
        <ul class="pill-list" aria-label="Projects">
          {(projects.data ?? []).map((project) => (
            <li key={project.id}>
              <a href={href('projects', { project: project.name })} aria-current={project.name === selected ? 'true' : undefined}>
                {project.name}
              </a>
            </li>
          ))}
        </ul>
        <form class="inline-form" onSubmit={(event) => void createProject(event)}>
          <label for="new-project">New project</label>
          <input id="new-project" value={newName} autoComplete="off" onInput={(event) => setNewName((event.target as HTMLInputElement).value)} required />
          <button type="submit">Create project</button>
        </form>
        <ErrorNotice error={actionError} />
      </Section>
      {selected ? <ProjectDetail key={selected} project={selected} onDeleted={() => { projects.reload(); navigate('projects'); }} /> : null}
    </>
  );
}

function ProjectDetail({ project, onDeleted }: { project: string; onDeleted: () => void }) {
  const keys = useData(`keys:${project}`, () => get<ApiKey[]>('/api-keys', { project }), ['config']);
  const credentials = useData(`credentials:${project}`, () => get<Credential[]>(`/projects/${encodeURIComponent(project)}/credentials`), ['config']);
  const providers = useData('providers', () => get<Provider[]>('/providers'), ['config']);
  const [created, setCreated] = useState<NewKey | undefined>(undefined);
  const [keyName, setKeyName] = useState('');
  const [actionError, setActionError] = useState<ApiError | undefined>(undefined);
  const [credentialSaves, setCredentialSaves] = useState(0);

  const act = async (work: () => Promise<unknown>): Promise<void> => {
    setActionError(undefined);
    try {
      await work();
    } catch (error) {
      setActionError(error instanceof ApiError ? error : new ApiError(0, String(error)));
    }
    keys.reload();
    credentials.reload();
  };
  const createKey = async (event: Event): Promise<void> => {
    event.preventDefault();
    await act(async () => {
      setCreated(await api<NewKey>('POST', '/api-keys', { project, ...(keyName.trim() ? { name: keyName.trim() } : {}) }));
      setKeyName('');
    });
  };

  return (
    <>
      <Section
        title={`API keys of ${project}`}
        actions={
          <button
            type="button"
            class="danger"
            onClick={() => {
              if (confirm(`Delete project ${project} with its keys and credentials?`)) void act(async () => { await api('DELETE', `/projects/${encodeURIComponent(project)}`); onDeleted(); });
            }}
          >
            Delete project
          </button>
        }
      >
        <ErrorNotice error={actionError} />
        {created ? (
          <div class="notice success" role="status">
            <p>
              New key for {created.project}
              {created.name ? ` (${created.name})` : ''}. It is shown <strong>only now</strong>: copy it.
            </p>
            <p class="secret">
              <code data-testid="new-key">{created.key}</code> <CopyButton text={created.key} label="Copy key" />{' '}
              <button type="button" class="secondary" onClick={() => setCreated(undefined)}>
                Done
              </button>
            </p>
          </div>
        ) : null}
        <form class="inline-form" onSubmit={(event) => void createKey(event)}>
          <label for="key-name">Key name</label>
          <input id="key-name" value={keyName} autoComplete="off" onInput={(event) => setKeyName((event.target as HTMLInputElement).value)} />
          <button type="submit">Create key</button>
        </form>
        <Loading when={keys.loading && !keys.data} />
        <ErrorNotice error={keys.error} />
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
          <table>
            <thead>
              <tr>
                <th scope="col">Prefix</th>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {(keys.data ?? []).map((key) => (
                <tr key={key.id} data-key={key.id}>
                  <th scope="row">
                    <code>{key.prefix}…</code>
                  </th>
                  <td>{key.name ?? '—'}</td>
                  <td>{formatTime(key.created_at)}</td>
                  <td>{formatTime(key.expires_at)}</td>
                  <td>{key.revoked_at ? <span class="badge off">Revoked {formatTime(key.revoked_at)}</span> : <span class="badge ok">Active</span>}</td>
                  <td class="actions">
                    {key.revoked_at ? null : (
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Revoke key ${key.prefix}`}
                        onClick={() => void act(() => api('DELETE', `/api-keys/${encodeURIComponent(key.id)}`))}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section title={`Provider credentials of ${project}`}>
        <p class="muted">Write-only: the gateway stores them encrypted and never shows them again, only a hint.</p>
        <ErrorNotice error={credentials.error} />
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
          <table>
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Key hint</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Last rotation</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {(credentials.data ?? []).map((credential) => (
                <tr key={credential.provider}>
                  <th scope="row">{credential.provider}</th>
                  <td>
                    <code>{credential.key_hint ?? '—'}</code>
                  </td>
                  <td>
                    <code>{credential.fingerprint ?? '—'}</code>
                  </td>
                  <td>{formatTime(credential.updated_at)}</td>
                  <td class="actions">
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Delete credential for ${credential.provider}`}
                      onClick={() => void act(() => api('DELETE', `/projects/${encodeURIComponent(project)}/credentials/${encodeURIComponent(credential.provider)}`))}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h3>Set or rotate a credential</h3>
        <RowForm
          key={`credential:${project}:${credentialSaves}`}
          id="credential-form"
          fields={[
            { name: 'provider', label: 'Provider', kind: 'select', required: true, options: (providers.data ?? []).map((provider) => provider.name) },
            { name: 'api_key', label: 'API key', kind: 'password', required: true },
            { name: 'base_url', label: 'Base URL override', kind: 'text' },
            { name: 'organization', label: 'Organization', kind: 'text' },
          ]}
          submitLabel="Save credential"
          onSubmit={async (values) => {
            const { provider, ...body } = values;
            await api('PUT', `/projects/${encodeURIComponent(project)}/credentials/${encodeURIComponent(String(provider ?? ''))}`, body);
            setCredentialSaves((count) => count + 1);
            credentials.reload();
          }}
        />
      </Section>
    </>
  );
}
