export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential, capped, with "equal jitter"
 * (half fixed, half random) so that many clients dropped together by one gateway restart do not
 * all come back in the same millisecond, while each still waits at least half the nominal delay.
 */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const nominal = Math.min(o.baseMs * 2 ** Math.max(0, attempt), o.maxMs);
  return Math.round(nominal / 2 + (nominal / 2) * random());
}
