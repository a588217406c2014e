// The contracts in a browser bundle (package.json `exports`, `browser` condition): everything but the node:crypto
// signing helpers (browsers sign with WebCrypto: @wagerflow/client's web-signing.ts).
export * from './errors.js';
export * from './api.js';
export * from './jobs.js';
export * from './job-ids.js';
export * from './events.js';
export * from './redis-keys.js';
export * from './money.js';
export * from './grid.js';
export * from './ticks.js';
export * from './loyalty-api.js';
export * from './loyalty-jobs.js';
export * from './archive-jobs.js';
export * from './loyalty-tiers.js';
export * from './signing-window.js';
