/**
 * Stand-ins for a dependency that misbehaves at the TCP level (tests of outage handling): a server that does what
 * `onConnection` says with each socket, and a port nothing listens on.
 */
import net from 'node:net';

export interface FakeTcpServer {
  port: number;
  /** Destroys every open socket, then closes the server. */
  close: () => Promise<void>;
}

/** A TCP server on 127.0.0.1 (a port the kernel picks) that hands each connection to `onConnection`. */
export async function startFakeTcpServer(onConnection: (socket: net.Socket) => void = () => undefined): Promise<FakeTcpServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = await startFakeTcpServer();
  await server.close();
  return server.port;
}
