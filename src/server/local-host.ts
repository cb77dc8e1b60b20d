/**
 * Loopback addresses and the Host names a page on this machine may use for them. DNS rebinding
 * lets any web page point a name it controls at 127.0.0.1, making the gateway same-origin with it;
 * the Host header still carries that name. A local client says `localhost`, `*.localhost` or an
 * IP literal: a rebinding page cannot (a browser sends the page's own name).
 *
 * @module
 */
import { isIP } from 'node:net';

/** True for an IPv4 127/8, `::1` or an IPv4-mapped 127/8 address (as sockets report them). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/**
 * True when `host` (a Host header) names this machine the way a local client does: an IP
 * literal, `localhost` or a `*.localhost` name, with or without a port. A missing Host (HTTP/1.0)
 * is local too: no browser sends one without it.
 */
export function isLocalHostHeader(host: string | undefined): boolean {
  if (host === undefined) return true;
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    return end !== -1 && isIP(name.slice(1, end)) === 6 && PORT.test(name.slice(end + 1));
  }
  const colon = name.lastIndexOf(':');
  if (colon !== -1) {
    if (!PORT.test(name.slice(colon))) return false;
    name = name.slice(0, colon);
  }
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name === 'localhost' || name.endsWith('.localhost') || isIP(name) === 4;
}

/** What may follow the name in a Host header: nothing, or a colon and a port number (RFC 9110 §7.2). */
const PORT = /^(?::\d{0,5})?$/;
