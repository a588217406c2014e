/** Socket errors, as Node raises them and ioredis passes them on (with `err.code`; ioredis's own connect timeout sets it too). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/**
 * ioredis 5 rejects these with a plain `Error` (no class, no code), so their exact text is all there is:
 * `enableOfflineQueue: false` with no connection (Redis.js sendCommand), a command on a closed connection
 * (`CONNECTION_CLOSED_ERROR_MSG`, only exported from ioredis's internals; BullMQ throws the same text), and
 * `commandTimeout` (Command.js).
 */
const IOREDIS_MESSAGES = new Set([
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Connection is closed.',
  'Command timed out',
]);

/**
 * True when an error means "Redis cannot be reached now" rather than "the command is wrong". ioredis's
 * `MaxRetriesPerRequestError` is not exported by the package: it is known by its name (its `name` getter returns
 * its class name).
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  const code = 'code' in err ? err.code : undefined;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return IOREDIS_MESSAGES.has(err.message);
}
