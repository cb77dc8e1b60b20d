/**
 * What a base URL may be (a provider row's `api_base_url`, a credential's `base_url`): an http(s)
 * URL a path is appended to. A query string or a fragment would swallow that path (`/v1?team=a` +
 * `/chat/completions` is the query `team=a/chat/completions` of `/v1`; `/v1#x` is `/v1`), and user
 * info (`https://user:pass@host`) is never sent. Checked where rows are written and where they are
 * loaded; pure, so the credentials layer can use it too.
 *
 * @module
 */

export const baseUrlRule = 'must be an http(s) URL without user info, query string or fragment';

/** Why `url` cannot be a base URL, or undefined when it can. */
export function baseUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return baseUrlRule;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return baseUrlRule;
  // On the text: `https://host/v1?` and `#` parse to an empty search and hash, yet still take the path.
  if (parsed.username !== '' || parsed.password !== '' || url.includes('?') || url.includes('#')) {
    return `${baseUrlRule} (query parameters go in config.query, keys in a credential)`;
  }
  return undefined;
}
