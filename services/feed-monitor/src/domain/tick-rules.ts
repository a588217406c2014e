export const TICK_FUTURE_TOLERANCE_MS = 1_000;

/**
 * SPEC 3: a tick's `ts` must lie in [previous tick ts, now + 1 s]; a tick without `ts` gets its
 * receive time. Returns the accepted ts, or null for a tick to drop.
 */
export function acceptTickTs(ts: number | null, receivedAt: number, previousTs: number | null, now: number): number | null {
  const t = ts ?? receivedAt;
  if (t > now + TICK_FUTURE_TOLERANCE_MS) return null;
  if (previousTs != null && t < previousTs) return null;
  return t;
}

/** Price of the next simulator tick: a multiplicative random walk, rounded to cents. */
export function nextSimulatedPrice(price: number, volatilityBpsPerSqrtS: number, intervalMs: number, gaussian: number): number {
  const sigma = (volatilityBpsPerSqrtS / 10_000) * Math.sqrt(intervalMs / 1000);
  return Math.max(0.01, Math.round(price * (1 + sigma * gaussian) * 100) / 100);
}
