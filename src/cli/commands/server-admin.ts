import { statSync } from 'node:fs';
import { refuseForeignOwner } from '../../crypto/owned-file.js';
import { DatabaseError, SwitchboardError, type ErrorCode } from '../../errors.js';
import type { CliContext } from '../cli-context.js';
import { resolveAdminToken } from './admin-token.js';
import { endpointFile, readEndpoint } from './endpoint-file.js';
import { requestUrl } from '../../providers/shared/undici.js';

type Row = Record<string, unknown>;

/** The admin API of the server that holds the embedded data dir. */
export interface ServerAdmin {
  /** The server's URL, said to the user so they know which process took the change. */
  readonly url: string;
  /** One admin API call (`path` under `/admin/v1/`); an error answer throws its message. */
  call<T = Row>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: Row): Promise<T>;
}

/** Whether `error` is the embedded database being held by another process (a running `serve`). */
export function isHeldByServer(error: unknown): boolean {
  return error instanceof DatabaseError && error.code === 'database_locked';
}

/**
 * Runs `direct` (which opens the database), or, when a running server holds the embedded data dir,
 * `viaServer` against that server's admin API. Opening is the first thing `direct` does, so nothing
 * has been written when the lock refuses it.
 */
export async function directOrServer<T>(context: CliContext, direct: () => Promise<T>, viaServer: (admin: ServerAdmin) => Promise<T>): Promise<T> {
  try {
    return await direct();
  } catch (error) {
    if (!isHeldByServer(error)) throw error;
    return viaServer(serverAdmin(context));
  }
}

/** The admin API of the server named in `<data dir>/switchboard.endpoint`, with the admin token. */
export function serverAdmin(context: CliContext): ServerAdmin {
  const endpoint = readEndpoint(context.config.dataDir);
  if (!endpoint) {
    throw new SwitchboardError(
      'database_locked',
      `the embedded database at ${context.config.dataDir} is held by a running server that publishes no admin endpoint; stop it, or use its admin API`,
    );
  }
  // The token goes to the URL this file names: a file another user planted (a data dir in a shared
  // place such as /tmp) would send it to a server of theirs.
  const file = endpointFile(context.config.dataDir);
  refuseForeignOwner(file, statSync(file), 'it would receive the admin token');
  const { token } = resolveAdminToken(context.config, { generate: false });
  if (!token) throw new SwitchboardError('authentication_failed', 'a server holds the database; set SWITCHBOARD_ADMIN_TOKEN to change it through its admin API');
  const call = async <T>(method: string, path: string, body?: Row): Promise<T> => {
    let response;
    try {
      response = await requestUrl(`${endpoint.url}/admin/v1/${path}`, {
        method: method as 'GET',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new SwitchboardError('database_unavailable', `the server at ${endpoint.url} holds the database but cannot be reached (${(error as Error).message})`);
    }
    const payload = (await response.body.json().catch(() => ({}))) as Row;
    if (response.statusCode >= 400) {
      const error = (payload['error'] ?? {}) as { message?: string };
      throw new SwitchboardError(codeForStatus(response.statusCode), error.message ?? `admin API answered HTTP ${response.statusCode}`, {
        status: response.statusCode,
      });
    }
    return payload as T;
  };
  return { url: endpoint.url, call };
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'authentication_failed';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  return status < 500 ? 'invalid_request' : 'internal_error';
}
