/** SPEC 3: a tick's `ts` may be at most this far ahead of the server clock (checked in markets.ts's script). */
export const TICK_FUTURE_TOLERANCE_MS = 1_000;

/** Price of the next simulator tick: a multiplicative random walk, rounded to cents. */
export function nextSimulatedPrice(price: number, volatilityBpsPerSqrtS: number, intervalMs: number, gaussian: number): number {
  const sigma = (volatilityBpsPerSqrtS / 10_000) * Math.sqrt(intervalMs / 1000);
  return Math.max(0.01, Math.round(price * (1 + sigma * gaussian) * 100) / 100);
}
