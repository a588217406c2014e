import { browserSocketFactory } from './browser-socket.js';

/** The `browser` condition of `#stream-socket`: the browser's WebSocket. */
export const defaultSocketFactory = browserSocketFactory();
