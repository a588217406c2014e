import net from 'node:net';

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Linux hands out local ports for outgoing connections from 32768 up (`ip_local_port_range`). */
const EPHEMERAL_FLOOR = 32_768;
const LOWEST = 10_000;
const handedOut = new Set<number>();

/**
 * A port nothing listens on, below the ephemeral range: a port the kernel picked for `listen(0)` is an ephemeral
 * one, which any outgoing connection (to Redis, Postgres…) may take as its local port before the service binds
 * it — seen as a gateway that never listened (EADDRINUSE) in a full test run. Checked on all interfaces, as the
 * services listen there; never the same port twice in one process.
 */
export async function freePort(host = '0.0.0.0'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (EPHEMERAL_FLOOR - LOWEST));
    if (handedOut.has(port)) continue;
    if (await canListen(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in [${LOWEST}, ${EPHEMERAL_FLOOR})`);
}
