import WebSocket from 'ws';
import type { StreamSocket, StreamSocketFactory } from './stream-socket.js';

/** A stream socket on `ws` (Node): server pings are visible and feed the dead-peer timer. */
export const wsSocketFactory: StreamSocketFactory = (url) => {
  const ws = new WebSocket(url);
  const socket: StreamSocket = {
    seesPings: true,
    onMessage: (listener) => void ws.on('message', (data: Buffer) => listener(data.toString('utf8'))),
    onPing: (listener) => void ws.on('ping', listener),
    onError: (listener) => void ws.on('error', listener),
    onClose: (listener) => void ws.on('close', (code: number, reason: Buffer) => listener(code, reason.toString('utf8'))),
    terminate: () => ws.terminate(),
  };
  return socket;
};

export const defaultSocketFactory = wsSocketFactory;
