// The SDK in Node: everything of the browser entry, plus the Node-only helpers (synchronous node:crypto signing for
// hand-built requests, the recording `PlayerStream` and the `ws` socket factory).
export * from './browser.js';
export { signedHeaders, streamQuery } from './signing.js';
export { PlayerStream, type StreamMessage } from './stream.js';
export { wsSocketFactory } from './ws-socket.js';
