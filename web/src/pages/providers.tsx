import { useState } from 'preact/hooks';
import { api, ApiError, get } from '../api';
import { Drawer } from '../components/drawer';
import { ErrorNotice, Loading, Section } from '../components/notice';
import { RowForm, type FieldSpec } from '../components/row-form';
import { PriceHistory } from '../components/price-history';
import { useData } from '../use-data';
import type { Model, Provider, Row } from '../types';

const PROVIDER_CLASSES = ['OpenAIProvider', 'AnthropicProvider', 'GoogleProvider', 'CohereProvider', 'CustomProvider'];

const providerFields: FieldSpec[] = [
  { name: 'name', label: 'Name', kind: 'text', required: true, createOnly: true, help: 'Lowercase slug: a-z, 0-9, . _ -' },
  { name: 'display_name', label: 'Display name', kind: 'text' },
  { name: 'provider_class', label: 'Provider class', kind: 'select', required: true, options: PROVIDER_CLASSES },
  { name: 'api_base_url', label: 'API base URL', kind: 'text', help: 'http(s) URL, e.g. https://api.example.com/v1' },
  { name: 'required_env_vars', label: 'Env-var credential fallback', kind: 'list', help: 'Comma-separated names ending in _API_KEY' },
  { name: 'features', label: 'Features (JSON)', kind: 'json' },
  { name: 'pricing', label: 'Pricing (JSON, USD per million tokens)', kind: 'json' },
  { name: 'config', label: 'Config (JSON)', kind: 'json' },
  { name: 'is_active', label: 'Active', kind: 'checkbox' },
];

function modelFields(providers: readonly string[]): FieldSpec[] {
  return [
    { name: 'name', label: 'Name', kind: 'text', required: true, createOnly: true, help: 'The name clients send as "model"' },
    { name: 'display_name', label: 'Display name', kind: 'text' },
    { name: 'provider', label: 'Provider', kind: 'select', required: true, options: providers },
    { name: 'model_id', label: 'Vendor model id', kind: 'text', required: true },
    { name: 'context_window', label: 'Context window (tokens)', kind: 'number' },
    { name: 'max_tokens', label: 'Max output tokens', kind: 'number' },
    { name: 'pricing', label: 'Pricing (JSON, USD per million tokens)', kind: 'json', help: '{"input_per_mtok": 0.15, "output_per_mtok": 0.6}' },
    { name: 'features', label: 'Features (JSON)', kind: 'json' },
    { name: 'is_active', label: 'Active', kind: 'checkbox' },
  ];
}

type Editing = { kind: 'provider' | 'model'; row?: Row } | { kind: 'prices'; name: string } | undefined;

export function ProvidersPage(_props: { params: URLSearchParams }) {
  const providers = useData('providers', () => get<Provider[]>('/providers'), ['config']);
  const models = useData('models', () => get<Model[]>('/models'), ['config']);
  const [editing, setEditing] = useState<Editing>(undefined);
  const [actionError, setActionError] = useState<ApiError | undefined>(undefined);
  const providerNames = (providers.data ?? []).map((provider) => provider.name);

  const act = async (work: () => Promise<unknown>): Promise<void> => {
    setActionError(undefined);
    try {
      await work();
    } catch (error) {
      setActionError(error instanceof ApiError ? error : new ApiError(0, String(error)));
    }
    providers.reload();
    models.reload();
  };
  const remove = (kind: 'providers' | 'models', name: string, cascade = false): void => {
    if (!confirm(`Delete ${kind === 'providers' ? 'provider' : 'model'} ${name}?${cascade ? ' Its models are deleted too.' : ''}`)) return;
    void act(() => api('DELETE', `/${kind}/${encodeURIComponent(name)}`, undefined, cascade ? { cascade: 'true' } : undefined));
  };
  const save = (kind: 'provider' | 'model', row: Row | undefined) => async (values: Row): Promise<void> => {
    const collection = kind === 'provider' ? 'providers' : 'models';
    if (row) await api('PATCH', `/${collection}/${encodeURIComponent(String(row['name']))}`, values);
    else await api('POST', `/${collection}`, values);
    setEditing(undefined);
    providers.reload();
    models.reload();
  };

  return (
    <>
      <ErrorNotice error={actionError} />
      <Section
        title="Providers"
        actions={
          <button type="button" onClick={() => setEditing({ kind: 'provider' })}>
            Add provider
          </button>
        }
      >
        <Loading when={providers.loading && !providers.data} />
        <ErrorNotice error={providers.error} />
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Class</th>
                <th scope="col">Base URL</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {(providers.data ?? []).map((provider) => (
                <tr key={provider.id} data-provider={provider.name}>
                  <th scope="row">{provider.name}</th>
                  <td>{provider.provider_class}</td>
                  <td class="wrap">{provider.api_base_url ?? '—'}</td>
                  <td>
                    <StatusBadge active={provider.is_active} status={provider.status} reason={provider.unavailable_reason} />
                  </td>
                  <td class="actions">
                    <button type="button" class="secondary" onClick={() => setEditing({ kind: 'provider', row: provider })} aria-label={`Edit provider ${provider.name}`}>
                      Edit
                    </button>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => void act(() => api('POST', `/providers/${encodeURIComponent(provider.name)}/${provider.is_active ? 'deactivate' : 'activate'}`))}
                      aria-label={`${provider.is_active ? 'Disable' : 'Enable'} provider ${provider.name}`}
                    >
                      {provider.is_active ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" class="danger" onClick={() => remove('providers', provider.name, true)} aria-label={`Delete provider ${provider.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section
        title="Models"
        actions={
          <button type="button" onClick={() => setEditing({ kind: 'model' })}>
            Add model
          </button>
        }
      >
        <Loading when={models.loading && !models.data} />
        <ErrorNotice error={models.error} />
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Scrollable table">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Provider</th>
                <th scope="col">Vendor id</th>
                <th scope="col">Limits</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {(models.data ?? []).map((model) => (
                <tr key={model.id} data-model={model.name}>
                  <th scope="row">{model.name}</th>
                  <td>{model.provider}</td>
                  <td class="wrap">{model.model_id}</td>
                  <td>
                    {model.context_window ? `${model.context_window.toLocaleString('en-US')} ctx` : ''}
                    {model.max_tokens ? ` · ${model.max_tokens.toLocaleString('en-US')} out` : ''}
                  </td>
                  <td>
                    <StatusBadge active={model.is_active} status={model.status} reason={model.unavailable_reason} />
                  </td>
                  <td class="actions">
                    <button type="button" class="secondary" onClick={() => setEditing({ kind: 'model', row: model })} aria-label={`Edit model ${model.name}`}>
                      Edit
                    </button>
                    <button type="button" class="secondary" onClick={() => setEditing({ kind: 'prices', name: model.name })} aria-label={`Prices of model ${model.name}`}>
                      Prices
                    </button>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => void act(() => api('POST', `/models/${encodeURIComponent(model.name)}/${model.is_active ? 'deactivate' : 'activate'}`))}
                      aria-label={`${model.is_active ? 'Disable' : 'Enable'} model ${model.name}`}
                    >
                      {model.is_active ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" class="danger" onClick={() => remove('models', model.name)} aria-label={`Delete model ${model.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Drawer
        open={editing !== undefined}
        onClose={() => setEditing(undefined)}
        title={
          editing?.kind === 'prices'
            ? `Prices of ${editing.name}`
            : `${editing?.row ? 'Edit' : 'Add'} ${editing?.kind ?? ''}${editing?.row ? ` ${String(editing.row['name'])}` : ''}`
        }
      >
        {editing?.kind === 'prices' ? (
          <PriceHistory model={editing.name} />
        ) : editing ? (
          <RowForm
            key={`${editing.kind}:${String(editing.row?.['id'] ?? 'new')}`}
            id={`${editing.kind}-form`}
            fields={editing.kind === 'provider' ? providerFields : modelFields(providerNames)}
            {...(editing.row ? { initial: editing.row } : {})}
            submitLabel={editing.row ? 'Save changes' : `Add ${editing.kind}`}
            onSubmit={save(editing.kind, editing.row)}
          />
        ) : null}
      </Drawer>
    </>
  );
}

function StatusBadge({ active, status, reason }: { active: boolean; status: string | undefined; reason: string | null | undefined }) {
  if (!active) return <span class="badge off">Disabled</span>;
  if (reason) {
    return (
      <span class="badge bad">
        {status ?? 'Unavailable'}: {reason}
      </span>
    );
  }
  return <span class="badge ok">{status ?? 'Active'}</span>;
}
