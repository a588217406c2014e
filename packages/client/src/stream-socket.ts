/**
 * The little the reconnecting stream needs from a WebSocket, so it runs on `ws` in Node (`ws-socket.ts`) and on the
 * browser's WebSocket (`browser-socket.ts`). The default for the platform is picked by the package's `#stream-socket`
 * import (the `browser` condition).
 */
export interface StreamSocket {
  onMessage(listener: (text: string) => void): void;
  /** A WebSocket ping from the server. Never called where pings are invisible (browsers): see `seesPings`. */
  onPing(listener: () => void): void;
  onError(listener: (err: Error) => void): void;
  onClose(listener: (code: number, reason: string) => void): void;
  /** Drop the connection now (a network drop as the client sees it); `onClose` follows. */
  terminate(): void;
  /** False in browsers: the server's pings are answered by the browser and never reach script. */
  readonly seesPings: boolean;
}

export type StreamSocketFactory = (url: string) => StreamSocket;
