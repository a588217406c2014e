// The SDK in a browser bundle (package.json `exports`, `browser` condition): WebCrypto signing and UUIDs, the
// browser's WebSocket, no Node built-ins. Everything here also runs in Node (index.ts adds the Node-only helpers).
export type { PlayerCredentials } from './credentials.js';
export { newUuid, signRequest, signStreamQuery, signWeb } from './web-signing.js';
export { PlayerClient, AdminClient, type ApiResponse, type HttpOptions, type MeView, type PageOptions } from './http-client.js';
export { StaffClient } from './staff-client.js';
export {
  BET_PHASES,
  DEFAULT_BET_MACHINE_CONFIG,
  isTerminal,
  startBet,
  transition,
  type BetCommand,
  type BetEvent,
  type BetMachineConfig,
  type BetPhase,
  type BetSnapshot,
  type BetState,
  type Transition,
} from './bet-state-machine.js';
export { BetDriver, ClientClosedError, type BetTransport } from './bet-driver.js';
export { ReconnectingStream, type ReconnectingStreamOptions, type ResyncReason, type StreamEvents } from './reconnecting-stream.js';
export { fetchResync, ResyncError, type ResyncResult } from './resync.js';
export type { BetMessage, FeedStatusMessage, HelloMessage, ServerMessage } from './stream-messages.js';
export type { StreamSocket, StreamSocketFactory } from './stream-socket.js';
export { browserSocketFactory, type WhatwgWebSocket, type WhatwgWebSocketConstructor } from './browser-socket.js';
export {
  WagerflowClient,
  type ClientEvents,
  type PlaceBetInput,
  type WagerflowClientOptions,
  type WalletSnapshot,
} from './wagerflow-client.js';
