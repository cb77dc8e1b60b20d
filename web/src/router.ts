/**
 * Hash routing (`#/usage?model=x`): the server only ever serves index.html at /admin/, and the
 * filters live in the hash so a view can be bookmarked and shared (the token never is).
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const mark = text.indexOf('?');
  const page = (mark === -1 ? text : text.slice(0, mark)) || 'overview';
  return { page, params: new URLSearchParams(mark === -1 ? '' : text.slice(mark + 1)) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = (): void => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function href(page: string, params?: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) if (value) search.set(key, value);
  const text = search.toString();
  return `#/${page}${text ? `?${text}` : ''}`;
}

/** Replaces the current page's parameters (one history entry per change). */
export function navigate(page: string, params?: Record<string, string | undefined>): void {
  location.hash = href(page, params);
}
