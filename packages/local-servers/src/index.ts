export type { LocalServer } from './local-server.js';
export { freePort } from './ports.js';
export { waitUntil, randomId, databaseUrlFor, type WaitUntilOptions } from './wait-until.js';
export { embeddedPostgresUrl, startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres.js';
export { startRedisServer, findRedisServer, redisPing, REDIS_SERVER_MISSING_MESSAGE, type RedisServerOptions } from './redis-server.js';
export { startFakeTcpServer, closedPort, type FakeTcpServer } from './fake-tcp-server.js';
export { settlesWithin } from './managed-process.js';
