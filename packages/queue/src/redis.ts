import { Redis } from 'ioredis';

export { Redis };

/**
 * `blocking`: for BullMQ workers (commands wait for reconnection, never fail on their own).
 * `request`: for request paths — no offline queue and a short connect timeout, so a Redis outage
 * turns into a fast 503 rather than a hung request.
 */
export function createRedis(url: string, mode: 'blocking' | 'request'): Redis {
  if (mode === 'blocking') {
    return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
  }
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 1_000,
    // Bounds a hung Redis; a down one fails at once (no offline queue). Generous, so that a burst queues instead of failing.
    commandTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    // Commands issued in the same event-loop turn (by concurrent requests) go out in one write: on these machines a
    // socket write costs more than the command.
    enableAutoPipelining: true,
  });
}
