import { randomBytes } from 'node:crypto';

export interface WaitUntilOptions {
  /** Deadline. Default 10 s. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
  /** What we wait for, for the timeout message. */
  description?: string;
  /** Stop waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Poll `check` until it returns something other than `undefined`/`false`/`null`, and return that. A throwing check
 * counts as "not yet"; its last error is quoted when the deadline passes.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitUntilOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50, description = 'condition', signal } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${why}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}

/** A random lowercase hex id (for names). */
export function randomId(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

/** `url` with its database name replaced. */
export function databaseUrlFor(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}
