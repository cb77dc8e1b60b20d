/**
 * Headers of the transport, which the gateway and undici set: `host` sent a call, its key included,
 * to whatever site a shared front serves under that name (past the origin a stored credential is
 * bound to); the others fail every call or change how the connection is used. Neither a provider
 * row's `config.headers` nor a stored credential's `headers` may name one.
 */
const transportHeaders = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection']);

/** Whether `name` (any case) is a transport header. */
export function isTransportHeader(name: string): boolean {
  return transportHeaders.has(name.toLowerCase());
}
