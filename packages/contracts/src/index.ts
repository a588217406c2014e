export * from './errors.js';
export * from './api.js';
export * from './jobs.js';
export * from './events.js';
export * from './redis-keys.js';
export * from './signing.js';
export * from './money.js';
export * from './grid.js';
