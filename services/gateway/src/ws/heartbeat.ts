import type { WebSocket } from 'ws';

/**
 * WebSocket ping/pong for every socket of a stream (SPEC 4.5: every 15 s): a socket that did not answer the previous
 * ping by the next one is terminated (its peer is gone, or too slow to matter). One timer for all sockets.
 */
export function createHeartbeat(intervalMs: number) {
  const alive = new Map<WebSocket, boolean>();
  const timer = setInterval(() => {
    for (const [ws, answered] of alive) {
      if (!answered) {
        alive.delete(ws);
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, intervalMs);
  return {
    /** Watch `ws` until it closes. */
    watch(ws: WebSocket): void {
      alive.set(ws, true);
      ws.on('pong', () => {
        if (alive.has(ws)) alive.set(ws, true);
      });
      ws.on('close', () => alive.delete(ws));
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}
