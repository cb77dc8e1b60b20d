/**
 * The live feed: ONE fetch stream to /admin/v1/events with the bearer header (EventSource cannot
 * send headers), parsed as server-sent events. Pages subscribe by event name and refetch their
 * data; the stream reconnects with a growing delay and stops when signed out.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiFetch, getToken, onTokenChange, setToken } from './api';

export type LiveEvent = 'config' | 'usage' | 'instances';
export type LiveState = 'connecting' | 'live' | 'offline' | 'unavailable';

const listeners = new Map<string, Set<(data: unknown) => void>>();
const stateListeners = new Set<(state: LiveState) => void>();
let state: LiveState = 'offline';
let controller: AbortController | undefined;

function setState(next: LiveState): void {
  state = next;
  stateListeners.forEach((listener) => listener(next));
}

function emit(name: string, data: unknown): void {
  listeners.get(name)?.forEach((listener) => listener(data));
}

export function startLive(): void {
  if (controller || !getToken()) return;
  const current = new AbortController();
  controller = current;
  void run(current.signal);
}

export function stopLive(): void {
  controller?.abort();
  controller = undefined;
  setState('offline');
}

onTokenChange(() => {
  stopLive();
  if (getToken()) startLive();
});

async function run(signal: AbortSignal): Promise<void> {
  let delay = 500;
  while (!signal.aborted) {
    setState('connecting');
    try {
      const response = await apiFetch('/events', { headers: { accept: 'text/event-stream' }, signal });
      if (!response.body) throw new Error('no body');
      setState('live');
      delay = 500;
      await read(response.body, signal);
    } catch (error) {
      if (signal.aborted) return;
      const status = (error as { status?: number }).status;
      if (status === 404) {
        setState('unavailable');
        return;
      }
      // The token is no longer valid (rotated on the server): back to the sign-in form, as api() does.
      if (status === 401) {
        setToken(null);
        return;
      }
    }
    if (signal.aborted) return;
    setState('offline');
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 10_000);
  }
}

async function read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  while (!signal.aborted) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      dispatchBlock(block);
    }
  }
}

function dispatchBlock(block: string): void {
  let name = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  let parsed: unknown = data.join('\n');
  try {
    parsed = JSON.parse(parsed as string);
  } catch {
    // Keep the text.
  }
  emit(name, parsed);
}

export function subscribe(names: readonly LiveEvent[], listener: (data: unknown) => void): () => void {
  for (const name of names) {
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(listener);
  }
  return () => names.forEach((name) => listeners.get(name)?.delete(listener));
}

export function useLiveState(): LiveState {
  const [value, setValue] = useState(state);
  useEffect(() => {
    stateListeners.add(setValue);
    // The state may have changed between the render and this effect.
    setValue(state);
    return () => void stateListeners.delete(setValue);
  }, []);
  return value;
}

/** Calls `refresh` when one of `names` arrives (coalesced to one call per animation frame). */
export function useLive(names: readonly LiveEvent[], refresh: () => void): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  const key = names.join(',');
  useEffect(() => {
    let pending = false;
    return subscribe(key.split(',') as LiveEvent[], () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        latest.current();
      });
    });
  }, [key]);
}
