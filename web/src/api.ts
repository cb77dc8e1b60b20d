/**
 * The admin API client: every call carries the admin token as a bearer header (never in a URL).
 * The token lives in sessionStorage only, so it is gone when the tab closes.
 */
const TOKEN_KEY = 'switchboard.adminToken';

/** `/admin/v1` relative to the page (works under any path prefix: `<prefix>/admin/` → `<prefix>/admin/v1`). */
export const API_BASE = new URL('v1/', new URL('.', document.baseURI)).pathname.replace(/\/$/, '');

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
  signedOutListeners.forEach((listener) => listener());
}

const signedOutListeners = new Set<() => void>();
export function onTokenChange(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** An error answer of the admin API (OpenAI error shape), or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly param: string | null;
  constructor(status: number, message: string, code: string | null = null, param: string | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.param = param;
  }
}

export type Query = Record<string, string | number | undefined | null>;

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Number of admin API requests sent (the browser tests read it to bound requests per action). */
let requestCount = 0;
export const apiRequestCount = (): number => requestCount;

export async function apiFetch(path: string, init: RequestInit = {}, token = getToken()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  requestCount += 1;
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, { ...init, headers, cache: 'no-store', credentials: 'omit' });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'The gateway cannot be reached.');
  }
  if (!response.ok) throw await toApiError(response);
  return response;
}

async function toApiError(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code: string | null = null;
  let param: string | null = null;
  try {
    const body = (await response.json()) as { error?: { message?: string; code?: string; param?: string | null } };
    if (body.error?.message) message = body.error.message;
    code = body.error?.code ?? null;
    param = body.error?.param ?? null;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, message, code, param);
}

export async function api<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  try {
    const response = await apiFetch(`${path}${queryString(query)}`, init);
    return (await response.json()) as T;
  } catch (error) {
    // The token was revoked or changed on the server: back to the sign-in form.
    if (error instanceof ApiError && error.status === 401) setToken(null);
    throw error;
  }
}

export const get = <T>(path: string, query?: Query): Promise<T> => api<T>('GET', path, undefined, query);

/** Checks a token against the admin API before keeping it. */
export async function verifyToken(token: string): Promise<void> {
  await apiFetch('/providers', {}, token);
}
