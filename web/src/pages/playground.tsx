import { Fragment } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { get } from '../api';
import { useData } from '../use-data';
import type { Model, Row } from '../types';

/** /v1 next to /admin/ (so it works under a path prefix too). */
const CHAT_URL = new URL('../v1/chat/completions', new URL('.', document.baseURI)).pathname;

interface Result {
  status: number;
  headers: [string, string][];
  text: string;
  error?: string;
  done: boolean;
}

/**
 * Sends a chat request as a project (with a project API key the user types, kept in memory only)
 * to a model or a route, and shows the answer as it streams and the response headers.
 */
export function PlaygroundPage(_props: { params: URLSearchParams }) {
  const models = useData('models', () => get<Model[]>('/models'), ['config']);
  const routes = useData('routes', () => get<Row[] | { data: Row[] }>('/routes').catch(() => [] as Row[]), ['config']);
  const [apiKey, setApiKey] = useState('');
  const [model, setModel] = useState('');
  const [system, setSystem] = useState('');
  const [prompt, setPrompt] = useState('Say hello in five words.');
  const [stream, setStream] = useState(true);
  const [result, setResult] = useState<Result | undefined>(undefined);
  const abort = useRef<AbortController | undefined>(undefined);
  const routeNames = (Array.isArray(routes.data) ? routes.data : (routes.data?.data ?? [])).map((row) => String(row['name']));

  const send = async (event: Event): Promise<void> => {
    event.preventDefault();
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    const messages = [...(system.trim() ? [{ role: 'system', content: system }] : []), { role: 'user', content: prompt }];
    let current: Result = { status: 0, headers: [], text: '', done: false };
    const show = (next: Partial<Result>): void => {
      current = { ...current, ...next };
      setResult(current);
    };
    show({});
    try {
      const response = await fetch(CHAT_URL, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey.trim()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
        signal: controller.signal,
        credentials: 'omit',
        cache: 'no-store',
      });
      show({ status: response.status, headers: [...response.headers.entries()] });
      if (!response.ok || !stream || !response.body) {
        const body = (await response.json().catch(() => ({}))) as {
          error?: { message?: string };
          choices?: { message?: { content?: string } }[];
        };
        if (!response.ok) show({ error: body.error?.message ?? `HTTP ${response.status}`, done: true });
        else show({ text: body.choices?.[0]?.message?.content ?? JSON.stringify(body, null, 2), done: true });
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trim();
          if (data === '[DONE]') continue;
          try {
            const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[]; error?: { message?: string } };
            if (chunk.error) show({ error: chunk.error.message ?? 'stream error' });
            const delta = chunk.choices?.[0]?.delta?.content;
            if (delta) show({ text: current.text + delta });
          } catch {
            // A partial or non-JSON line: skip.
          }
        }
      }
      show({ done: true });
    } catch (error) {
      if (!controller.signal.aborted) show({ error: error instanceof Error ? error.message : String(error), done: true });
    }
  };

  return (
    <div class="playground">
      <form class="card row-form" onSubmit={(event) => void send(event)} aria-label="Chat request">
        <div class="field">
          <label for="pg-key">Project API key</label>
          <input id="pg-key" type="password" autoComplete="off" required value={apiKey} onInput={(event) => setApiKey((event.target as HTMLInputElement).value)} aria-describedby="pg-key-help" />
          <small id="pg-key-help" class="muted">
            Sent as the bearer of /v1/chat/completions, so the call is made as that key's project. Kept in memory only.
          </small>
        </div>
        <div class="field">
          <label for="pg-model">Model or route</label>
          <select id="pg-model" required value={model} onChange={(event) => setModel((event.target as HTMLSelectElement).value)}>
            <option value="">Choose…</option>
            <optgroup label="Models">
              {(models.data ?? []).filter((row) => row.is_active).map((row) => (
                <option key={row.name} value={row.name}>
                  {row.name}
                </option>
              ))}
            </optgroup>
            {routeNames.length > 0 ? (
              <optgroup label="Routes">
                {routeNames.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </select>
        </div>
        <div class="field">
          <label for="pg-system">System message</label>
          <textarea id="pg-system" rows={2} value={system} onInput={(event) => setSystem((event.target as HTMLTextAreaElement).value)} />
        </div>
        <div class="field">
          <label for="pg-prompt">User message</label>
          <textarea id="pg-prompt" rows={4} required value={prompt} onInput={(event) => setPrompt((event.target as HTMLTextAreaElement).value)} />
        </div>
        <div class="field field-checkbox">
          <label>
            <input type="checkbox" checked={stream} onChange={(event) => setStream((event.target as HTMLInputElement).checked)} /> Stream
          </label>
        </div>
        <div class="actions">
          <button type="submit">Send</button>
          {result && !result.done ? (
            <button type="button" class="secondary" onClick={() => abort.current?.abort()}>
              Stop
            </button>
          ) : null}
        </div>
      </form>
      <section class="card" aria-label="Response" aria-busy={result && !result.done ? 'true' : 'false'}>
        <h2>Response {result?.status ? <span class={`badge ${result.status < 400 ? 'ok' : 'bad'}`}>{result.status}</span> : null}</h2>
        {result?.error ? (
          <p class="notice error" role="alert">
            {result.error}
          </p>
        ) : null}
        <pre class="answer" data-testid="answer" data-done={result?.done ? 'true' : 'false'}>
          {result?.text ?? ''}
        </pre>
        {result && result.headers.length > 0 ? (
          <>
            <h3>Response headers</h3>
            <dl class="facts headers" data-testid="response-headers">
              {result.headers.map(([name, value]) => (
                <Fragment key={name}>
                  <dt>{name}</dt>
                  <dd>{value}</dd>
                </Fragment>
              ))}
            </dl>
          </>
        ) : null}
      </section>
    </div>
  );
}
