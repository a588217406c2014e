/**
 * Codes of "the database cannot be reached", checked first: Node's socket errors (pg passes them on with their
 * `code`) and Postgres's SQLSTATEs on `DatabaseError.code`: 57P01 admin_shutdown, 57P02 crash_shutdown,
 * 57P03 cannot_connect_now, 08001/08003/08006 connection exceptions.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
  '08003',
]);

/**
 * pg 8 and pg-pool 3 raise these with a plain `Error` (no class, no code), so their exact text is all there is:
 * pg-pool's `connectionTimeoutMillis` ("timeout exceeded when trying to connect", and "Connection terminated due to
 * connection timeout" when the socket was already open) and pg's client losing its socket ("Connection terminated
 * unexpectedly"; "Connection terminated" while ending).
 */
const PG_MESSAGES = new Set([
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
  'Connection terminated unexpectedly',
  'Connection terminated',
]);

/** True when a pg error means "the database is unreachable" rather than "the query is wrong". */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = 'code' in err ? err.code : undefined;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return PG_MESSAGES.has(err.message);
}
