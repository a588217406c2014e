export { createPool, named, withTransaction, type ErrorLogger, type Pool, type PoolClient } from './pool.js';
export { migrateLatest } from './migrate.js';
export { isConnectionError } from './errors.js';
