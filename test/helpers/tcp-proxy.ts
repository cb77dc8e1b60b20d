/**
 * A loopback TCP proxy to cut a process off its database (or Redis) for real, the ways a network
 * does: `cut()` destroys every open connection and refuses new ones until `restore()`; `freeze()`
 * leaves every open connection open but forwards nothing more on it, either way (a peer that
 * vanished without a reset: a failover to another host, a NAT forgetting its state), with new
 * connections refused or frozen as well until `restore()`; `muteReplies()` drops what the server
 * sends back on the open connections (a reply lost after the server acted).
 *
 * @module
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  cut(): void;
  /** New connections forward again (frozen ones stay dead, as after a NAT reboot). */
  restore(): void;
  /** `newConnections`: refused (the default), or accepted and frozen like the open ones. */
  freeze(newConnections?: 'refused' | 'frozen'): void;
  muteReplies(): void;
  close(): Promise<void>;
}

interface Connection {
  sockets: [client: net.Socket, upstream: net.Socket];
  toServer: boolean;
  toClient: boolean;
}

/** Proxies 127.0.0.1:<port> to `targetHost:targetPort`. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const connections = new Set<Connection>();
  let refusing = false;
  let freezing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const connection: Connection = { sockets: [client, upstream], toServer: !freezing, toClient: !freezing };
    connections.add(connection);
    for (const socket of connection.sockets) {
      socket.on('error', () => undefined);
      socket.on('close', () => connections.delete(connection));
    }
    client.on('data', (chunk) => void (connection.toServer && upstream.write(chunk)));
    upstream.on('data', (chunk) => void (connection.toClient && client.write(chunk)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroyAll = (): void => {
    for (const connection of connections) for (const socket of connection.sockets) socket.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      refusing = true;
      destroyAll();
    },
    restore: () => {
      refusing = false;
      freezing = false;
    },
    freeze: (newConnections = 'refused') => {
      if (newConnections === 'refused') refusing = true;
      else freezing = true;
      for (const connection of connections) connection.toServer = connection.toClient = false;
    },
    muteReplies: () => {
      for (const connection of connections) connection.toClient = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
