/**
 * Request targets in absolute form (`POST http://host:port/v1/chat/completions`), which proxies and
 * some clients send and RFC 9112 §3.2.2 says a server must accept. The gateway routes on the path
 * and query; the authority decides nothing but the local-host check of /metrics (local-host.ts).
 *
 * @module
 */

const ABSOLUTE = /^https?:\/\//i;

/**
 * The origin-form (path and query) of an absolute-form target: `/` when it has no path. A target of
 * any other form (authority-form, `*`, another scheme) becomes `*`, which no route matches.
 */
export function originForm(target: string): string {
  const scheme = ABSOLUTE.exec(target);
  if (scheme === null) return '*';
  const path = target.indexOf('/', scheme[0].length);
  if (path !== -1) return target.slice(path);
  const query = target.indexOf('?', scheme[0].length);
  return query === -1 ? '/' : `/${target.slice(query)}`;
}

/** The authority (`host:port`, userinfo included) of an absolute-form target, else undefined. */
export function targetAuthority(target: string | undefined): string | undefined {
  if (target === undefined || target.startsWith('/')) return undefined;
  const scheme = ABSOLUTE.exec(target);
  if (scheme === null) return undefined;
  const rest = target.slice(scheme[0].length);
  const end = rest.search(/[/?#]/);
  return end === -1 ? rest : rest.slice(0, end);
}
