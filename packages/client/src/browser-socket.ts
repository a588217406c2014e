import type { StreamSocket, StreamSocketFactory } from './stream-socket.js';

/** The WHATWG WebSocket API subset used here (the browser's; `ws` implements it too, which the unit tests use). */
export interface WhatwgWebSocket {
  binaryType: string;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (e: { message?: string }) => void): void;
  addEventListener(type: 'close', listener: (e: { code: number; reason: string }) => void): void;
  close(code?: number, reason?: string): void;
}
export type WhatwgWebSocketConstructor = new (url: string) => WhatwgWebSocket;

/**
 * A stream socket on the browser's WebSocket. Pings are invisible there (`seesPings` false): the stream relies on the
 * browser to notice a dead connection. `terminate()` closes at once from the client's side (code 4000).
 */
export function browserSocketFactory(ctor?: WhatwgWebSocketConstructor): StreamSocketFactory {
  return (url) => {
    const Ctor = ctor ?? (globalThis as unknown as { WebSocket?: WhatwgWebSocketConstructor }).WebSocket;
    if (!Ctor) throw new Error('no WebSocket in this environment: pass a socket factory');
    const ws = new Ctor(url);
    ws.binaryType = 'arraybuffer';
    let closed = false;
    const closeListeners: ((code: number, reason: string) => void)[] = [];
    const fireClose = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      for (const l of closeListeners) l(code, reason);
    };
    ws.addEventListener('close', (e) => fireClose(e.code, e.reason));
    const socket: StreamSocket = {
      seesPings: false,
      onMessage: (listener) =>
        ws.addEventListener('message', (e) => {
          const data = e.data;
          listener(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer));
        }),
      onPing: () => undefined,
      onError: (listener) => ws.addEventListener('error', (e) => listener(new Error(e.message ?? 'WebSocket error'))),
      onClose: (listener) => void closeListeners.push(listener),
      terminate: () => {
        ws.close(4000, 'client dropped the connection');
        // The close handshake may never finish on a dead link: report the drop now, as `ws`'s terminate() does.
        fireClose(1006, '');
      },
    };
    return socket;
  };
}
